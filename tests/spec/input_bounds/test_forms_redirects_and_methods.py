"""HTTP semantics of the browser-facing answers. A form without its CSRF token is
forbidden (403; OWASP CSRF Prevention), not malformed. Every redirect carries a code, an
error or an interaction meant for one request, so none may be cached (RFC 9111 §5.2.2.5
no-store; RFC 6749 §5.1 asks it of token responses for the same reason). A caller
blocked from guessing user codes (RFC 8628 §5.1) is told when to come back (429 with
Retry-After, RFC 6585 §4). A 405 lists every method the resource serves (RFC 9110
§15.5.6), and a CORS preflight is not mistaken for one."""

from __future__ import annotations

import re

import httpx
import pytest

from idp.authn.users import User
from idp.oauth.clients import Client
from tests.spec.input_bounds.inputs import assert_error_page
from tests.support.client_requests import post_form
from tests.support.flows import (
    PASSWORD,
    Browser,
    LoopbackBrowser,
    create_user,
    csrf_token,
    pkce_pair,
    register,
)
from tests.support.pages import consent_form, login_form
from tests.support.server import RunningIdp

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture(scope="module")
def client(idp: RunningIdp) -> Client:
    """Third party: consent is asked."""
    return register(idp, public=True)[0]


@pytest.fixture(scope="module")
def device_client(idp: RunningIdp) -> Client:
    return register(idp, public=True, grant_types=[DEVICE_GRANT], redirect_uris=[])[0]


@pytest.fixture
def user(idp: RunningIdp) -> User:
    return create_user(idp)


def authorization_request(client: Client, **extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uris[0],
        "scope": "openid profile",
        "state": "xyz",
        "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256",
        **extra,
    }


def user_code(idp: RunningIdp, client: Client) -> str:
    response = post_form(
        idp, "/device_authorization", {"client_id": client.client_id, "scope": "openid"}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["user_code"])


def assert_not_cached(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert "location" in response.headers
    directives = {d.strip() for d in response.headers.get("cache-control", "").split(",")}
    assert "no-store" in directives, response.headers


def allowed_methods(response: httpx.Response) -> set[str]:
    return {method.strip() for method in response.headers["allow"].split(",")}


# --- CSRF ---------------------------------------------------------------------------------


def test_login_without_csrf_token_is_forbidden__rfc6749_s10_12(idp, client, user):
    with Browser(idp) as browser:
        page = browser.follow(browser.authorize(**authorization_request(client)))
        action = login_form(page)
        assert action, page.text
        response = browser.http.post(action, data={"username": user.username, "password": PASSWORD})
        assert_error_page(response, 403)
        assert not [h for h in response.headers.get_list("set-cookie") if "session" in h]


def test_consent_without_csrf_token_is_forbidden__rfc6749_s10_12(idp, client, user):
    with Browser(idp) as browser:
        page = browser.follow(browser.authorize(**authorization_request(client)))
        page = browser.follow(browser.submit_login(page, user.username, PASSWORD))
        action = consent_form(page)
        assert action, page.text
        assert_error_page(browser.http.post(action, data={"decision": "allow"}), 403)


@pytest.mark.parametrize("token", [None, "0" * 64])
def test_device_form_without_its_csrf_token_is_forbidden__rfc6749_s10_12(idp, device_client, token):
    code = user_code(idp, device_client)
    with LoopbackBrowser(idp) as browser:
        assert browser.http.get("/device").status_code == 200
        form = {"user_code": code} | ({"csrf_token": token} if token else {})
        assert_error_page(browser.http.post("/device", data=form), 403)


# --- no-store on every redirect -----------------------------------------------------------


def test_every_redirect_of_a_sign_in_is_not_stored__rfc9111_s5_2_2_5(idp, client, user):
    with Browser(idp) as browser:
        to_login = browser.authorize(**authorization_request(client))
        assert_not_cached(to_login, 302)
        page = browser.follow(to_login)
        after_login = browser.submit_login(page, user.username, PASSWORD)
        assert_not_cached(after_login, 303)
        page = browser.follow(after_login)
        after_consent = browser.submit_consent(page)
        assert_not_cached(after_consent, 303)
        code_redirect = browser.http.get(after_consent.headers["location"])
        assert_not_cached(code_redirect, 302)
        assert "code=" in code_redirect.headers["location"]
        # Signed in and consented: /authorize redirects with a code at once.
        at_once = browser.authorize(**authorization_request(client))
        assert_not_cached(at_once, 302)
        assert "code=" in at_once.headers["location"]


def test_form_posted_authorization_redirect_is_not_stored__rfc9111_s5_2_2_5(idp, client):
    response = post_form(idp, "/authorize", authorization_request(client))
    assert_not_cached(response, 303)


def test_error_redirect_to_the_client_is_not_stored__rfc9111_s5_2_2_5(idp, client):
    response = httpx.get(
        f"{idp.base_url}/authorize",
        params=authorization_request(client, prompt="none"),
        timeout=10,
    )
    assert_not_cached(response, 302)
    assert "error=login_required" in response.headers["location"]


def test_device_code_redirect_to_sign_in_is_not_stored__rfc9111_s5_2_2_5(idp, device_client):
    code = user_code(idp, device_client)
    with LoopbackBrowser(idp) as browser:
        page = browser.http.get("/device")
        response = browser.http.post(
            "/device", data={"csrf_token": csrf_token(page.text), "user_code": code}
        )
        assert_not_cached(response, 303)


# --- user-code guessing -------------------------------------------------------------------


def test_blocked_user_code_guessing_says_when_to_retry__rfc6585_s4(idp, device_client):
    code = user_code(idp, device_client)
    with LoopbackBrowser(idp) as browser:
        page = browser.http.get("/device")
        token = csrf_token(page.text)
        for _ in range(idp.settings.throttle_free_attempts):
            wrong = browser.http.post(
                "/device", data={"csrf_token": token, "user_code": "BBBB-BBBB"}
            )
            assert wrong.status_code == 400, wrong.text
        # Blocked now, even for the right code.
        blocked = browser.http.post("/device", data={"csrf_token": token, "user_code": code})
        assert blocked.status_code == 429, blocked.text
        retry_after = blocked.headers.get("retry-after", "")
        assert re.fullmatch(r"[1-9][0-9]*", retry_after), blocked.headers  # RFC 9110 §10.2.3


# --- methods ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["OPTIONS", "PUT", "DELETE", "PATCH"])
def test_userinfo_405_allows_get_and_post__rfc9110_s15_5_6(idp, method):
    response = httpx.request(method, f"{idp.base_url}/userinfo", timeout=10)
    assert response.status_code == 405, response.text
    assert allowed_methods(response) == {"GET", "POST"}


@pytest.mark.parametrize("method", ["OPTIONS", "PUT"])
def test_authorization_endpoint_405_allows_get_and_post__rfc9110_s15_5_6(idp, method):
    response = httpx.request(method, f"{idp.base_url}/authorize", timeout=10)
    assert response.status_code == 405, response.text
    assert allowed_methods(response) == {"GET", "POST"}


def test_options_with_an_origin_but_no_requested_method_is_no_preflight__rfc9110_s15_5_6(idp):
    response = httpx.request(
        "OPTIONS", f"{idp.base_url}/userinfo", headers={"Origin": "https://app.example"}
    )
    assert response.status_code == 405, response.text
    assert allowed_methods(response) == {"GET", "POST"}


@pytest.mark.parametrize("requested", ["GET", "POST"])
def test_cors_preflight_of_userinfo_is_answered__fetch_cors_preflight(idp, requested):
    response = httpx.request(
        "OPTIONS",
        f"{idp.base_url}/userinfo",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": requested,
            "Access-Control-Request-Headers": "authorization",
        },
        timeout=10,
    )
    assert response.status_code == 204, response.text
    methods = {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    assert {"GET", "POST"} <= methods
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
