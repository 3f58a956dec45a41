"""The login and consent pages in a real headless Chromium, with and without JavaScript."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page

from idp.secret import new_token
from tests.support.client_requests import redeem
from tests.support.flows import PASSWORD, create_user, pkce_pair, query_of, register

pytestmark = pytest.mark.browser

# A loopback redirect URI nobody serves: the browser's navigation to it is caught.
REDIRECT_URI = "http://127.0.0.1:9/cb"
CALLBACK_PAGE = (
    "<!doctype html><title>callback</title><p>client callback</p><p id=js>no script</p>"
    "<script>document.getElementById('js').textContent = 'script ran'</script>"
)


@pytest.fixture(scope="module")
def client(idp):
    client, _ = register(idp, public=True, redirect_uris=[REDIRECT_URI])
    return client


@pytest.fixture(scope="module")
def user(idp):
    return create_user(idp)


def open_sign_in(idp, browser: Browser, client, *, javascript: bool = True):
    """A fresh browser context on the authorization URL; returns (page, state, verifier)."""
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.route(
        "http://127.0.0.1:9/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=CALLBACK_PAGE),
    )
    verifier, challenge = pkce_pair()
    state = new_token(8)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile email",
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    response = page.goto(f"{idp.base_url}/authorize?{query}")
    assert response is not None
    assert response.status == 200, response.text()
    return page, state, verifier


def sign_in_and_allow(page: Page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r".*/interaction/[^/]+$"))
    assert page.get_by_role("heading", name="Allow access?").is_visible()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{REDIRECT_URI}?**")


def assert_redirected_with_a_working_code(idp, page: Page, client, state, verifier) -> None:
    assert page.url.startswith(f"{REDIRECT_URI}?")
    assert page.get_by_text("client callback").is_visible()
    query = query_of(page.url)
    assert query["state"] == state
    assert query["iss"] == idp.base_url
    tokens = redeem(idp, client, query["code"], verifier)
    assert tokens.status_code == 200, tokens.text
    assert "id_token" in tokens.json()


def test_login_page_renders_labelled_username_and_password_inputs(idp, chromium, client, tmp_path):
    page, _, _ = open_sign_in(idp, chromium, client)
    try:
        assert page.url.startswith(f"{idp.base_url}/interaction/")
        username, password = page.get_by_label("Username"), page.get_by_label("Password")
        assert username.is_visible()
        assert username.get_attribute("type") == "text"
        # WebAuthn L3 §5.1.4.1: the field also offers passkeys (conditional mediation).
        assert username.get_attribute("autocomplete") == "username webauthn"
        assert password.is_visible()
        assert password.get_attribute("type") == "password"
        assert password.get_attribute("autocomplete") == "current-password"
        assert page.get_by_role("button", name="Sign in", exact=True).is_visible()
        assert page.get_by_text("Test App").is_visible()
        screenshot = tmp_path / "login.png"
        page.screenshot(path=str(screenshot), full_page=True)
        assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        assert screenshot.stat().st_size > 2000
    finally:
        page.context.close()


def test_wrong_password_shows_the_error_message_and_keeps_the_username(idp, chromium, client, user):
    page, _, _ = open_sign_in(idp, chromium, client)
    try:
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill("not the password")
        with page.expect_response(re.compile(r".*/login$")) as login:
            page.get_by_role("button", name="Sign in", exact=True).click()
        assert login.value.status == 401
        alert = page.get_by_role("alert")
        assert alert.inner_text() == "The username or password is incorrect."
        assert page.get_by_label("Username").input_value() == user.username
        assert page.get_by_label("Password").input_value() == ""
        assert page.get_by_label("Username").get_attribute("aria-describedby") == "login-error"
    finally:
        page.context.close()


def test_right_password_then_allow_redirects_to_the_client_with_code_and_state(
    idp, chromium, client, user
):
    page, state, verifier = open_sign_in(idp, chromium, client)
    try:
        sign_in_and_allow(page, user.username)
        assert_redirected_with_a_working_code(idp, page, client, state, verifier)
        assert page.locator("#js").inner_text() == "script ran"
    finally:
        page.context.close()


def test_sign_in_and_consent_work_with_javascript_disabled(idp, chromium, client):
    user = create_user(idp)  # no earlier consent: the consent page must appear
    page, state, verifier = open_sign_in(idp, chromium, client, javascript=False)
    try:
        sign_in_and_allow(page, user.username)
        assert_redirected_with_a_working_code(idp, page, client, state, verifier)
        # Page scripts really were off in this context.
        assert page.locator("#js").inner_text() == "no script"
    finally:
        page.context.close()
