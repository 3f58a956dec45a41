"""The account page in a real headless Chromium: sign in with password + TOTP, see
/account and the session's time left (its script under the page's CSP), remove the
authenticator app and set it up again, and "stay signed in" when the session is about to
end. Screenshots are kept under the test's tmp_path."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, Page

from idp.authn.totp import STEP
from tests.support.databases import database_url
from tests.support.flows import PASSWORD, create_user
from tests.support.second_factor import enrol
from tests.support.server import RunningIdp, running_idp

pytestmark = pytest.mark.browser

IDLE = 600  # s: the page warns a quarter of it (150 s) before the end


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIdp]:
    directory: Path = tmp_path_factory.mktemp("idp")
    with (
        database_url("sqlite", directory) as url,
        running_idp(url, directory, session_idle_timeout=IDLE) as server,
    ):
        yield server


def screenshot(page: Page, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def session_state(page: Page) -> dict:
    response = page.request.get("/account/session")
    assert response.status == 200, response.text()
    state: dict = response.json()
    return state


def test_account_page_time_left_stay_signed_in_and_the_app(idp, chromium: Browser, tmp_path):
    enrolled = enrol(idp, create_user(idp, name="Ada Lovelace"))
    context = chromium.new_context(base_url=idp.base_url)
    page = context.new_page()
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    try:
        page.goto("/account")
        page.get_by_label("Username").fill(enrolled.user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.get_by_label(re.compile("Code from your authenticator app")).fill(enrolled.code(idp))
        page.get_by_role("button", name="Verify").click()
        page.wait_for_url(f"{idp.base_url}/account")
        assert page.get_by_role("heading", name="Your account").is_visible()
        assert "Ada Lovelace" in page.locator("#profile").inner_text()
        # The script counts down from what the server said (the server's text is whole
        # minutes, the script's has seconds).
        page.wait_for_function("document.getElementById('idle-left').textContent.includes(' s')")
        assert page.locator("#session-warning").is_hidden()
        screenshot(page, tmp_path / "account.png")

        # Remove the app (signed in a moment ago, with the code).
        page.get_by_role("link", name="Remove the app").click()
        page.get_by_role("button", name="Remove").click()
        page.wait_for_url(f"{idp.base_url}/account")
        assert "off" in page.locator("#sign-in-methods").inner_text()

        # And set it up again: QR code, key, first code, recovery codes.
        page.get_by_role("link", name="Set up an authenticator app").click()
        assert page.locator("figure.qr svg").is_visible()
        secret = page.locator("#totp-secret").inner_text()
        screenshot(page, tmp_path / "account-app-set-up.png")
        idp.clock.advance(STEP)
        page.get_by_label("Code from your authenticator app").fill(
            pyotp.TOTP(secret).at(idp.clock.now())
        )
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_selector("#recovery-codes")
        assert page.locator("#recovery-codes li").count() == 10
        page.get_by_role("link", name=re.compile("continue")).click()
        page.wait_for_url(f"{idp.base_url}/account")
        assert "on" in page.locator("#sign-in-methods").inner_text()

        # The session is about to end: coming back to the tab, the page warns.
        idp.clock.advance(IDLE - 100)
        assert session_state(page)["idle_seconds_left"] <= 100  # asking did not extend it
        page.evaluate("window.dispatchEvent(new Event('focus'))")
        page.wait_for_selector("#session-warning", state="visible")
        screenshot(page, tmp_path / "account-session-ending.png")
        page.get_by_role("button", name="Stay signed in").click()
        page.wait_for_selector("#session-warning", state="hidden")
        assert page.url == f"{idp.base_url}/account"  # the script stayed on the page
        assert session_state(page)["idle_seconds_left"] >= IDLE - 5

        # Past the end the page says so.
        idp.clock.advance(IDLE + 1)
        page.evaluate("window.dispatchEvent(new Event('focus'))")
        page.wait_for_selector("#session-ended", state="visible")
        assert page.locator("#stay-signed-in").is_hidden()
        screenshot(page, tmp_path / "account-session-ended.png")
        assert blocked == []
    finally:
        context.close()
