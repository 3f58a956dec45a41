"""The self-service password reset in a real headless Chromium, end to end: "Forgot your
password?" on the login page, the mail received by a real SMTP server, the link's page,
a password the policy refuses (and why), one it accepts, then back to the sign-in,
which still asks for the second factor. Screenshots are kept under the test's
tmp_path."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Browser

from tests.browser.test_mfa_sign_in import screenshot
from tests.browser.test_sign_in_pages import REDIRECT_URI, open_sign_in
from tests.support.client_requests import redeem
from tests.support.databases import database_url
from tests.support.flows import create_user, query_of, register
from tests.support.mail_server import Mailbox, link_in, mail_settings, smtp_server
from tests.support.second_factor import enrol
from tests.support.server import RunningIdp, running_idp

pytestmark = pytest.mark.browser

NEW_PASSWORD = "lanterns drifting over a winter harbour"


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[RunningIdp]:
    directory = tmp_path_factory.mktemp("idp")
    with (
        database_url("sqlite", directory) as url,
        running_idp(url, directory, **mail_settings(mailbox)) as server,
    ):
        yield server


def test_reset_by_mail_then_sign_in_with_the_second_factor(
    idp, mailbox, chromium: Browser, tmp_path
):
    client, _ = register(idp, public=True, first_party=True, redirect_uris=[REDIRECT_URI])
    user = create_user(idp)
    enrolled = enrol(idp, user)
    page, _, verifier = open_sign_in(idp, chromium, client)
    try:
        page.get_by_role("link", name="Forgot your password?").click()
        page.wait_for_url(re.compile(r".*/password-reset\?interaction=.+"))
        page.get_by_label("Username or email address").fill(user.email)
        screenshot(page, tmp_path / "reset-request.png")
        page.get_by_role("button", name="Send me a reset link").click()
        page.wait_for_selector("#mail-sent")
        screenshot(page, tmp_path / "reset-mail-sent.png")

        link = link_in(mailbox.wait_for(user.email))
        page.goto(link)
        assert page.get_by_role("heading", name="Choose a new password").is_visible()
        new = page.get_by_label("New password", exact=True)
        assert new.get_attribute("autocomplete") == "new-password"
        # The browser's own check (minlength) would stop a short one; a common one is
        # long enough and refused by the server, with the reason.
        new.fill("password1234")
        page.get_by_label("New password again").fill("password1234")
        page.get_by_role("button", name="Set password").click()
        page.wait_for_selector("#password-error")
        assert "most common" in page.locator("#password-error").inner_text()
        screenshot(page, tmp_path / "reset-refused.png")

        page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("New password again").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Set password").click()
        page.wait_for_selector("#password-set")
        screenshot(page, tmp_path / "reset-done.png")

        page.get_by_role("link", name="Sign in").click()
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        assert page.get_by_role("heading", name="Two-step verification").is_visible()
        page.get_by_label(re.compile("Code from your authenticator app")).fill(
            pyotp.TOTP(enrolled.secret).at(idp.clock.now())
        )
        screenshot(page, tmp_path / "reset-second-factor.png")
        page.get_by_role("button", name="Verify").click()
        page.wait_for_url(f"{REDIRECT_URI}?**")
        tokens = redeem(idp, client, query_of(page.url)["code"], verifier)
        assert tokens.status_code == 200, tokens.text
    finally:
        page.context.close()
