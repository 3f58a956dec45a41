"""RFC 6749 §4.1.2.1 and OIDC Core §3.1.2.6: once the redirect URI is verified, errors go
back to it with error, error_description, the state echoed, and iss (RFC 9207 §2)."""

from __future__ import annotations

import pytest

from tests.support.authorization import assert_redirected_error, open_authorize, request_params
from tests.support.flows import REDIRECT_URI, register
from tests.support.sign_in import sign_in_browser


def test_missing_response_type_is_invalid_request__rfc6749_s4_1_1(idp, browser, client):
    response = open_authorize(browser, client, response_type=None)
    assert_redirected_error(response, idp, client, "invalid_request")


@pytest.mark.parametrize("response_type", ["token", "id_token", "code id_token", "bogus"])
def test_other_response_types_are_unsupported__rfc6749_s4_1_2_1(
    idp, browser, client, response_type
):
    response = open_authorize(browser, client, response_type=response_type)
    assert_redirected_error(response, idp, client, "unsupported_response_type")


def test_client_without_code_grant_is_unauthorized_client__rfc6749_s4_1_2_1(idp, browser):
    client, _ = register(idp, grant_types=["client_credentials"], redirect_uris=[REDIRECT_URI])
    response = open_authorize(browser, client)
    assert_redirected_error(response, idp, client, "unauthorized_client")


@pytest.mark.parametrize("scope", [None, "openid bogus", "openid address"])
def test_missing_or_unknown_scope_is_invalid_scope__rfc6749_s3_3(idp, browser, client, scope):
    response = open_authorize(browser, client, scope=scope)
    assert_redirected_error(response, idp, client, "invalid_scope")


def test_scope_beyond_the_client_registration_is_invalid_scope__rfc6749_s3_3(idp, browser):
    client, _ = register(idp, public=True, scope="openid profile")
    response = open_authorize(browser, client, scope="openid email")
    assert_redirected_error(response, idp, client, "invalid_scope")


def test_unregistered_resource_is_invalid_target__rfc8707_s2(idp, browser):
    client, _ = register(idp, public=True, resources=["https://api.example/orders"])
    response = open_authorize(browser, client, resource="https://api.example/billing")
    assert_redirected_error(response, idp, client, "invalid_target")


def test_registered_resource_is_accepted__rfc8707_s2(idp, browser):
    client, _ = register(idp, public=True, resources=["https://api.example/orders"])
    response = open_authorize(browser, client, resource="https://api.example/orders")
    assert response.status_code == 200  # the login page: the request was accepted


def test_error_description_uses_only_the_allowed_characters__rfc6749_s4_1_2_1(idp, browser, client):
    response = open_authorize(browser, client, scope='openid "caf\u00e9"')
    assert_redirected_error(response, idp, client, "invalid_scope")


def test_prompt_none_without_session_is_login_required__oidc_core_s3_1_2_6(idp, browser, client):
    response = open_authorize(browser, client, prompt="none")
    assert_redirected_error(response, idp, client, "login_required")


def test_prompt_none_without_consent_is_consent_required__oidc_core_s3_1_2_6(
    idp, browser, client, user
):
    sign_in_browser(browser, register(idp, public=True, first_party=True)[0], user)
    response = open_authorize(browser, client, prompt="none")
    assert_redirected_error(response, idp, client, "consent_required")


@pytest.mark.parametrize("prompt", ["none login", "consent none"])
def test_prompt_none_with_another_value_is_invalid_request__oidc_core_s3_1_2_1(
    idp, browser, client, prompt
):
    response = open_authorize(browser, client, prompt=prompt)
    assert_redirected_error(response, idp, client, "invalid_request")


def test_unknown_prompt_value_is_invalid_request__oidc_core_s3_1_2_2(idp, browser, client):
    response = open_authorize(browser, client, prompt="bogus")
    assert_redirected_error(response, idp, client, "invalid_request")


@pytest.mark.parametrize("max_age", ["-1", "abc", "1.5", "1e3", "99999999999999"])
def test_bad_max_age_is_invalid_request__oidc_core_s3_1_2_1(idp, browser, client, max_age):
    response = open_authorize(browser, client, max_age=max_age)
    assert_redirected_error(response, idp, client, "invalid_request")


def test_max_age_of_non_ascii_digits_is_invalid_request__oidc_core_s3_1_2_1(idp, browser, client):
    response = open_authorize(browser, client, max_age="\u00b2")  # "²": str.isdigit() is True
    assert_redirected_error(response, idp, client, "invalid_request")


def test_request_object_is_request_not_supported__oidc_core_s6_1(idp, browser, client):
    response = open_authorize(browser, client, request="eyJhbGciOiJub25lIn0.e30.")
    assert_redirected_error(response, idp, client, "request_not_supported")


def test_request_uri_is_request_uri_not_supported__oidc_core_s6_2(idp, browser, client):
    response = open_authorize(browser, client, request_uri="https://app.example/request.jwt")
    assert_redirected_error(response, idp, client, "request_uri_not_supported")


@pytest.mark.parametrize("response_mode", ["fragment", "form_post", "bogus"])
def test_response_mode_other_than_query_is_invalid_request__oauth_responses_s2_1(
    idp, browser, client, response_mode
):
    response = open_authorize(browser, client, response_mode=response_mode)
    assert_redirected_error(response, idp, client, "invalid_request")


def test_repeated_parameter_is_invalid_request__rfc6749_s3_1(idp, browser, client):
    params = [*request_params(client).items(), ("scope", "openid email")]
    response = browser.http.get("/authorize", params=params)
    assert_redirected_error(response, idp, client, "invalid_request")


def test_public_client_without_code_challenge_is_invalid_request__rfc9700_s2_1_1(
    idp, browser, client
):
    response = open_authorize(browser, client, code_challenge=None, code_challenge_method=None)
    assert_redirected_error(response, idp, client, "invalid_request")


@pytest.mark.parametrize("method", ["plain", None, "S512"])
def test_code_challenge_method_other_than_s256_is_invalid_request__rfc7636_s4_4_1(
    idp, browser, client, method
):
    """No method means plain (RFC 7636 §4.3), refused like plain (RFC 9700 §2.1.1)."""
    response = open_authorize(browser, client, code_challenge_method=method)
    assert_redirected_error(response, idp, client, "invalid_request")


@pytest.mark.parametrize("challenge", ["too-short", "+" * 43, "A" * 44, "A" * 42 + "="])
def test_malformed_code_challenge_is_invalid_request__rfc7636_s4_2(idp, browser, client, challenge):
    response = open_authorize(browser, client, code_challenge=challenge)
    assert_redirected_error(response, idp, client, "invalid_request")


def test_state_is_echoed_exactly__rfc6749_s4_1_2_1(idp, browser, client):
    state = "a b&c=d/é?"
    response = open_authorize(browser, client, response_type="token", state=state)
    assert_redirected_error(response, idp, client, "unsupported_response_type", state=state)


def test_error_without_state_in_request_has_no_state__rfc6749_s4_1_2_1(idp, browser, client):
    response = open_authorize(browser, client, response_type="token", state=None)
    assert_redirected_error(response, idp, client, "unsupported_response_type", state=None)


def test_error_keeps_the_query_of_the_registered_redirect_uri__rfc6749_s3_1_2(idp, browser):
    client, _ = register(idp, public=True, redirect_uris=["https://app.example/cb?tenant=a"])
    response = open_authorize(browser, client, response_type="token")
    query = assert_redirected_error(response, idp, client, "unsupported_response_type")
    assert query["tenant"] == "a"
