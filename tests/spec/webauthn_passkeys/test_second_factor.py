"""A passkey as the second factor after a password (WebAuthn L3 §7.2 with the user's
credentials), and the phishing-resistant class: password + passkey reaches
urn:tessera:acr:phr; phr satisfies a request for MFA; acr_values=urn:tessera:acr:phr
steps a password + TOTP session up with a passkey (OIDC Core §3.1.2.1), and a user
without a passkey gets unmet_authentication_requirements (OpenID Connect Core Error
Code unmet_authentication_requirements 1.0 §1)."""

from __future__ import annotations

import pytest

from idp.authn.methods import MFA_ACR, PHR_ACR
from tests.spec.webauthn_passkeys.test_sign_in import refused
from tests.support.assertions import verify_access_token, verify_id_token
from tests.support.authorization import assert_redirected_error
from tests.support.flows import PASSWORD, Browser, create_user
from tests.support.pages import is_login_page
from tests.support.relying_party import web_app
from tests.support.second_factor import (
    authorization_request,
    enrol,
    is_second_factor_page,
    password_step,
    submit_code,
    to_client,
    tokens_for,
)
from tests.support.webauthn import (
    SoftAuthenticator,
    continue_at,
    passkey_second_factor,
    passkey_sign_in,
    post_assertion,
    second_factor_options,
    with_passkey,
)


@pytest.fixture
def app(idp):
    return web_app(idp, first_party=True)


def new_user_with_passkey(idp, authenticator):
    user = create_user(idp)
    with Browser(idp) as setup:
        with_passkey(setup, authenticator, user.username)
    return user


def claims(idp, app, query, verifier):
    tokens = tokens_for(idp, app.client, query, verifier, app.secret)
    return (
        verify_id_token(idp, tokens["id_token"], app.client),
        verify_access_token(idp, tokens["access_token"]),
    )


def test_a_registered_passkey_is_asked_after_the_password_and_reaches_phr__rfc8176_s2(
    idp, browser, app, authenticator
):
    user = new_user_with_passkey(idp, authenticator)
    request, verifier = authorization_request(app.client)
    page = password_step(browser, user, request)
    assert is_second_factor_page(page), page.text  # a passkey counts as enrolled
    assert "Use a passkey" in page.text
    assert 'name="code"' not in page.text  # no authenticator app: no code field
    options = second_factor_options(browser, page)
    assert [c["id"] for c in options["allowCredentials"]] == list(authenticator.credentials)
    answer = post_assertion(browser, page, authenticator.get(options), second_factor=True)
    id_token, access_token = claims(
        idp, app, to_client(browser, continue_at(browser, answer)), verifier
    )
    for token in (id_token, access_token):
        assert token["acr"] == PHR_ACR
        assert token["amr"] == ["pwd", "hwk", "user", "mfa"]


def test_the_page_offers_the_passkey_beside_the_authenticator_app(idp, browser, app, authenticator):
    user = new_user_with_passkey(idp, authenticator)
    enrolled = enrol(idp, user)
    page = password_step(browser, user, authorization_request(app.client)[0])
    assert "Use a passkey" in page.text
    assert 'name="code"' in page.text
    assert submit_code(browser, page, enrolled.code(idp)).is_redirect  # either one works


def test_another_users_passkey_is_refused_as_the_second_factor__webauthn_l3_s7_2_step_6(
    idp, browser, app, authenticator
):
    user = new_user_with_passkey(idp, authenticator)
    other = SoftAuthenticator.for_issuer(idp.issuer)
    someone = new_user_with_passkey(idp, other)
    assert someone.id != user.id
    page = password_step(browser, user, authorization_request(app.client)[0])
    options = second_factor_options(browser, page)
    answer = post_assertion(
        browser,
        page,
        other.get(options, credential_id=next(iter(other.credentials))),
        second_factor=True,
    )
    refused(answer, words="another account")


def test_the_second_factor_needs_the_browser_that_gave_the_password(
    idp, browser, app, authenticator
):
    user = new_user_with_passkey(idp, authenticator)
    page = password_step(browser, user, authorization_request(app.client)[0])
    with Browser(idp) as elsewhere:  # the link alone: no pending_sign_in cookie
        answer = elsewhere.http.post(page.url.path + "/second-factor/passkey/options")
    refused(answer, 400, "invalid_request", "no sign-in awaits")


def test_phr_satisfies_a_request_for_mfa__no_step_up(idp, browser, app, authenticator):
    new_user_with_passkey(idp, authenticator)
    page = browser.follow(browser.authorize(**authorization_request(app.client)[0]))
    to_client(browser, continue_at(browser, passkey_sign_in(browser, page, authenticator)))
    request, verifier = authorization_request(app.client, acr_values=MFA_ACR)
    query = to_client(browser, browser.authorize(**request))  # no page in between
    assert claims(idp, app, query, verifier)[0]["acr"] == PHR_ACR


def test_a_password_and_totp_session_steps_up_to_phr_with_a_passkey__oidc_core_s3_1_2_1(
    idp, browser, app, authenticator
):
    user = new_user_with_passkey(idp, authenticator)
    enrolled = enrol(idp, user)
    first = password_step(browser, user, authorization_request(app.client)[0])
    query = to_client(browser, submit_code(browser, first, enrolled.code(idp)))
    request, verifier = authorization_request(app.client, acr_values=PHR_ACR)
    page = browser.follow(browser.authorize(**request))
    assert is_second_factor_page(page), page.text  # no password asked again
    assert 'name="code"' not in page.text  # a code cannot reach phr
    answer = passkey_second_factor(browser, page, authenticator)
    id_token, access_token = claims(
        idp, app, to_client(browser, continue_at(browser, answer)), verifier
    )
    for token in (id_token, access_token):
        assert token["acr"] == PHR_ACR
        assert set(token["amr"]) == {"pwd", "otp", "hwk", "user", "mfa"}
    assert query  # the first sign-in reached the client too


def test_a_code_is_refused_where_phr_is_asked(idp, browser, app, authenticator):
    user = new_user_with_passkey(idp, authenticator)
    enrolled = enrol(idp, user)
    request, _ = authorization_request(app.client, acr_values=PHR_ACR)
    page = password_step(browser, user, request)
    assert is_second_factor_page(page)
    answer = submit_code(browser, page, enrolled.code(idp))
    assert answer.status_code == 401
    assert "passkey" in answer.text


def test_phr_without_a_passkey_is_unmet_authentication_requirements(idp, browser, app):
    user = create_user(idp)
    request, _ = authorization_request(app.client, acr_values=PHR_ACR)
    page = browser.follow(browser.authorize(**request))
    assert is_login_page(page)  # who signs in is not known yet: a passkey could
    answer = browser.follow(browser.submit_login(page, user.username, PASSWORD))
    assert_redirected_error(answer, idp, app.client, "unmet_authentication_requirements", "xyz")


def test_phr_then_mfa_without_a_passkey_falls_back_to_mfa__oidc_core_s3_1_2_1(idp, browser, app):
    """acr_values lists classes in order of preference: the next one this user can meet."""
    user = create_user(idp)
    enrolled = enrol(idp, user)
    request, verifier = authorization_request(app.client, acr_values=f"{PHR_ACR} {MFA_ACR}")
    page = password_step(browser, user, request)
    assert is_second_factor_page(page)
    query = to_client(browser, submit_code(browser, page, enrolled.code(idp)))
    assert claims(idp, app, query, verifier)[0]["acr"] == MFA_ACR


def test_a_password_only_session_of_a_user_without_a_passkey_gets_the_error(idp, browser, app):
    user = create_user(idp)
    to_client(browser, password_step(browser, user, authorization_request(app.client)[0]))
    request, _ = authorization_request(app.client, acr_values=PHR_ACR)
    answer = browser.authorize(**request)
    assert_redirected_error(answer, idp, app.client, "unmet_authentication_requirements", "xyz")
