"""Password + TOTP in a real headless Chromium: enrolment forced by a client that
requires MFA (QR code, the secret as text, the first code, the recovery codes), then a
later sign-in with a code. Screenshots are kept under the test's tmp_path."""

from __future__ import annotations

import re

import jwt
import pyotp
import pytest
from playwright.sync_api import Browser, Page

from idp.authn.methods import MFA_ACR
from tests.browser.test_sign_in_pages import REDIRECT_URI, open_sign_in
from tests.support.client_requests import redeem
from tests.support.flows import PASSWORD, create_user, query_of, register

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def client(idp):
    client, _ = register(
        idp, public=True, first_party=True, redirect_uris=[REDIRECT_URI], require_mfa=True
    )
    return client


def give_password(page: Page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r".*/interaction/[^/]+$"))


def screenshot(page: Page, path) -> None:
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def signed_in_with_mfa(idp, page: Page, client, verifier: str) -> None:
    page.wait_for_url(f"{REDIRECT_URI}?**")
    tokens = redeem(idp, client, query_of(page.url)["code"], verifier)
    assert tokens.status_code == 200, tokens.text
    claims = jwt.decode(tokens.json()["id_token"], options={"verify_signature": False})
    assert claims["acr"] == MFA_ACR
    assert set(claims["amr"]) == {"pwd", "otp", "mfa"}


def test_enrol_then_sign_in_with_password_and_totp(idp, chromium: Browser, client, tmp_path):
    user = create_user(idp)
    page, _, verifier = open_sign_in(idp, chromium, client)
    try:
        give_password(page, user.username)
        assert page.get_by_role("heading", name="Set up two-step verification").is_visible()
        assert page.locator("figure.qr svg").is_visible()
        screenshot(page, tmp_path / "mfa-enrolment.png")
        secret = page.locator("#totp-secret").inner_text()
        page.get_by_label("Code from your authenticator app").fill(
            pyotp.TOTP(secret).at(idp.clock.now())
        )
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_selector("#recovery-codes")
        assert page.locator("#recovery-codes li").count() == 10
        screenshot(page, tmp_path / "mfa-recovery-codes.png")
        page.get_by_role("link", name=re.compile("continue")).click()
        signed_in_with_mfa(idp, page, client, verifier)
    finally:
        page.context.close()

    idp.clock.advance(30)  # the next code: the one used at enrolment is spent
    page, _, verifier = open_sign_in(idp, chromium, client)
    try:
        give_password(page, user.username)
        assert page.get_by_role("heading", name="Two-step verification").is_visible()
        field = page.get_by_label(re.compile("Code from your authenticator app"))
        assert field.get_attribute("autocomplete") == "one-time-code"
        field.fill(pyotp.TOTP(secret).at(idp.clock.now()))
        screenshot(page, tmp_path / "mfa-code.png")
        page.get_by_role("button", name="Verify").click()
        signed_in_with_mfa(idp, page, client, verifier)
    finally:
        page.context.close()
