"""The acr claim requested through the claims parameter (OIDC Core §5.5.1.1): an
essential acr with values is met (stepping the session up where needed) and the tokens
say one of the requested values; one Tessera cannot meet fails with
unmet_authentication_requirements; a voluntary one is only a preference."""

from __future__ import annotations

import json

import httpx

from idp.authn.methods import MFA_ACR, PASSWORD_ACR
from tests.support.assertions import verify_access_token, verify_id_token
from tests.support.authorization import assert_redirected_error
from tests.support.pages import is_login_page
from tests.support.relying_party import App, refresh, web_app
from tests.support.second_factor import (
    authorization_request,
    enrol,
    is_second_factor_page,
    password_step,
    sign_in_with_code,
    submit_code,
    to_client,
    tokens_for,
)

UNMET = "unmet_authentication_requirements"


def acr_claim(*values: str, essential: bool = True, member: str = "id_token") -> str:
    return json.dumps({member: {"acr": {"essential": essential, "values": list(values)}}})


def signed_in_tokens(idp, app: App, query, verifier) -> tuple[dict, dict, dict]:
    tokens = tokens_for(idp, app.client, query, verifier, app.secret)
    id_token = verify_id_token(idp, tokens["id_token"], app.client)
    return tokens, id_token, verify_access_token(idp, tokens["access_token"])


def test_discovery_says_the_claims_parameter_is_supported__oidc_discovery_s3(idp):
    metadata = httpx.get(f"{idp.base_url}/.well-known/openid-configuration").json()
    assert metadata["claims_parameter_supported"] is True


def test_an_essential_acr_steps_a_password_session_up__oidc_core_s5_5_1_1(idp, browser, user):
    app = web_app(idp, first_party=True)
    to_client(browser, password_step(browser, user, authorization_request(app.client)[0]))
    enrolled = enrol(idp, user)
    request, verifier = authorization_request(app.client, claims=acr_claim(MFA_ACR))
    page = browser.follow(browser.authorize(**request))
    assert is_second_factor_page(page), page.text
    query = to_client(browser, submit_code(browser, page, enrolled.code(idp)))
    _, id_token, access_token = signed_in_tokens(idp, app, query, verifier)
    assert id_token["acr"] == access_token["acr"] == MFA_ACR


def test_the_acr_of_the_userinfo_member_counts_too__oidc_core_s5_5_1_1(idp, browser, user):
    enrol(idp, user)
    app = web_app(idp, first_party=True)
    claims = acr_claim(MFA_ACR, member="userinfo")
    page = password_step(browser, user, authorization_request(app.client, claims=claims)[0])
    assert is_second_factor_page(page), page.text


def test_a_stronger_session_is_asserted_as_the_class_requested__oidc_core_s5_5_1_1(
    idp, browser, user
):
    """The session reached MFA; the client asked, essentially, for the password class:
    the tokens must say a requested value, and MFA meets the password class."""
    enrolled = enrol(idp, user)
    app = web_app(idp, first_party=True)
    sign_in_with_code(idp, browser, app.client, enrolled)
    request, verifier = authorization_request(
        app.client, claims=acr_claim(PASSWORD_ACR), scope="openid offline_access"
    )
    query = to_client(browser, browser.authorize(**request))
    tokens, id_token, access_token = signed_in_tokens(idp, app, query, verifier)
    assert id_token["acr"] == access_token["acr"] == PASSWORD_ACR
    assert {"otp", "mfa"} <= set(id_token["amr"])  # what was done is still said
    refreshed = refresh(idp, app, tokens["refresh_token"]).json()
    assert verify_access_token(idp, refreshed["access_token"])["acr"] == PASSWORD_ACR


def test_the_session_acr_is_kept_when_it_is_one_of_the_values__oidc_core_s5_5_1_1(
    idp, browser, user
):
    enrolled = enrol(idp, user)
    app = web_app(idp, first_party=True)
    claims = acr_claim(PASSWORD_ACR, MFA_ACR)
    query, verifier = sign_in_with_code(idp, browser, app.client, enrolled, claims=claims)
    assert signed_in_tokens(idp, app, query, verifier)[1]["acr"] == MFA_ACR


def test_an_essential_acr_of_no_supported_class_is_unmet__oidc_unmet_authn_s1(idp, browser):
    app = web_app(idp, first_party=True)
    request, _ = authorization_request(app.client, claims=acr_claim("urn:example:loa:4"))
    response = browser.authorize(**request)  # before any login: nothing could meet it
    assert_redirected_error(response, idp, app.client, UNMET, state="xyz")


def test_a_voluntary_acr_of_no_supported_class_is_ignored__oidc_core_s5_5_1(idp, browser, user):
    app = web_app(idp, first_party=True)
    claims = acr_claim("urn:example:loa:4", essential=False)
    request, verifier = authorization_request(app.client, claims=claims)
    query = to_client(browser, password_step(browser, user, request))
    assert signed_in_tokens(idp, app, query, verifier)[1]["acr"] == PASSWORD_ACR


def test_an_essential_acr_overrides_acr_values__oidc_core_s5_5_1_1(idp, browser, user):
    enrol(idp, user)
    app = web_app(idp, first_party=True)
    request, _ = authorization_request(
        app.client, acr_values=PASSWORD_ACR, claims=acr_claim(MFA_ACR)
    )
    page = password_step(browser, user, request)
    assert is_second_factor_page(page), page.text


def test_other_requested_claims_are_no_error__oidc_core_s5_5_1(idp, browser, user):
    app = web_app(idp, first_party=True)
    claims = json.dumps({"id_token": {"email": {"essential": True}}, "userinfo": {"name": None}})
    request, verifier = authorization_request(app.client, claims=claims)
    query = to_client(browser, password_step(browser, user, request))
    assert "id_token" in tokens_for(idp, app.client, query, verifier, app.secret)


def test_a_malformed_claims_parameter_is_invalid_request__oidc_core_s5_5(idp, browser):
    app = web_app(idp, first_party=True)
    for claims in ("not json", "[]", json.dumps({"id_token": {"acr": "x"}}), "[" * 3000):
        request, _ = authorization_request(app.client, claims=claims)
        response = browser.authorize(**request)
        assert_redirected_error(response, idp, app.client, "invalid_request", state="xyz")
        assert not is_login_page(response)
