"""The MFA policy at sign-in: required per user (a flag) or per client (``require_mfa``),
enrolment forced when required and missing; ``acr``/``amr`` (OIDC Core §2, RFC 8176)
say what happened; step-up with ``acr_values`` (OIDC Core §3.1.2.1) re-authenticates an
SSO session that only has a password; ``prompt=login`` and ``max_age`` still work."""

from __future__ import annotations

import httpx

from idp.authn.methods import ACR_VALUES_SUPPORTED, MFA_ACR, PASSWORD_ACR
from tests.support.authorization import assert_redirected_error
from tests.support.flows import PASSWORD, create_user
from tests.support.pages import is_login_page
from tests.support.relying_party import web_app
from tests.support.second_factor import (
    Enrolled,
    authorization_request,
    enrol,
    enrol_in_browser,
    is_second_factor_page,
    password_step,
    submit_code,
    to_client,
    token_claims,
)


def test_discovery_lists_the_acr_values__oidc_discovery_s3(idp):
    metadata = httpx.get(f"{idp.base_url}/.well-known/openid-configuration").json()
    assert metadata["acr_values_supported"] == list(ACR_VALUES_SUPPORTED)


def test_a_user_without_mfa_signs_in_with_a_password_only__rfc8176_s2(idp, browser, user):
    app = web_app(idp, first_party=True)
    request, verifier = authorization_request(app.client)
    query = to_client(browser, password_step(browser, user, request))
    id_token, access_token = token_claims(idp, app, query, verifier)
    for token in (id_token, access_token):
        assert token["acr"] == PASSWORD_ACR
        assert token["amr"] == ["pwd"]


def test_a_user_required_to_use_mfa_enrols_at_the_next_sign_in(idp, browser):
    user = create_user(idp, mfa_required=True)
    app = web_app(idp, first_party=True)
    request, verifier = authorization_request(app.client)
    page = password_step(browser, user, request)
    assert not any("session" in c for c in browser.http.cookies)  # not signed in yet
    query, _codes = enrol_in_browser(idp, browser, page)
    id_token, access_token = token_claims(idp, app, query, verifier)
    for token in (id_token, access_token):
        assert token["acr"] == MFA_ACR
        assert set(token["amr"]) == {"pwd", "otp", "mfa"}


def test_a_client_requiring_mfa_forces_enrolment_for_every_user(idp, browser, user):
    app = web_app(idp, first_party=True, require_mfa=True)
    request, verifier = authorization_request(app.client)
    query, codes = enrol_in_browser(idp, browser, password_step(browser, user, request))
    assert token_claims(idp, app, query, verifier)[0]["acr"] == MFA_ACR
    with type(browser)(idp) as later:  # enrolled now: the code is asked everywhere
        page = password_step(later, user, authorization_request(web_app(idp).client)[0])
        assert is_second_factor_page(page)
        assert submit_code(later, page, codes[0]).is_redirect


def test_an_sso_session_with_only_a_password_steps_up_for_acr_values__oidc_core_s3_1_2_1(
    idp, browser, user
):
    app = web_app(idp, first_party=True)
    to_client(browser, password_step(browser, user, authorization_request(app.client)[0]))
    enrolled: Enrolled = enrol(idp, user)  # enrolled after that sign-in
    request, verifier = authorization_request(app.client, acr_values=MFA_ACR)
    page = browser.follow(browser.authorize(**request))
    assert is_second_factor_page(page), page.text  # no password asked again
    query = to_client(browser, submit_code(browser, page, enrolled.code(idp)))
    id_token, access_token = token_claims(idp, app, query, verifier)
    for token in (id_token, access_token):
        assert token["acr"] == MFA_ACR
        assert set(token["amr"]) == {"pwd", "otp", "mfa"}


def test_step_up_without_a_second_factor_enrols_one(idp, browser, user):
    app = web_app(idp, first_party=True)
    to_client(browser, password_step(browser, user, authorization_request(app.client)[0]))
    request, verifier = authorization_request(app.client, acr_values=f"urn:x:unknown {MFA_ACR}")
    query, _ = enrol_in_browser(idp, browser, browser.follow(browser.authorize(**request)))
    assert token_claims(idp, app, query, verifier)[0]["acr"] == MFA_ACR


def test_step_up_with_prompt_none_is_login_required__oidc_core_s3_1_2_6(idp, browser, user):
    app = web_app(idp, first_party=True)
    to_client(browser, password_step(browser, user, authorization_request(app.client)[0]))
    request, _ = authorization_request(app.client, acr_values=MFA_ACR, prompt="none")
    response = browser.authorize(**request)
    assert_redirected_error(response, idp, app.client, "login_required", state="xyz")


def test_prompt_login_asks_both_factors_again__oidc_core_s3_1_2_1(idp, browser, user):
    enrolled = enrol(idp, user)
    app = web_app(idp, first_party=True)
    first = password_step(browser, user, authorization_request(app.client)[0])
    to_client(browser, submit_code(browser, first, enrolled.code(idp, -1)))
    for params in ({"prompt": "login"}, {"max_age": "0"}):
        request, verifier = authorization_request(app.client, **params)
        page = browser.follow(browser.authorize(**request))
        assert is_login_page(page), page.text
        page = browser.follow(browser.submit_login(page, user.username, PASSWORD))
        assert is_second_factor_page(page)
        idp.clock.advance(30)  # the next code: each is accepted once
        query = to_client(browser, submit_code(browser, page, enrolled.code(idp)))
        id_token, _ = token_claims(idp, app, query, verifier)
        assert id_token["acr"] == MFA_ACR
        assert id_token["auth_time"] >= idp.clock.now() - 1
