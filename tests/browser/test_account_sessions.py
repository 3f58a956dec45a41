"""The account sessions page in a real headless Chromium: sign in from it, see this
browser's session, sign out everywhere, and be asked to sign in again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser

from tests.support.flows import PASSWORD, create_user

pytestmark = pytest.mark.browser


def test_a_user_signs_in_sees_the_session_and_signs_out_everywhere(idp, chromium: Browser):
    user = create_user(idp)
    context = chromium.new_context(user_agent="TesseraTestBrowser/1.0")
    try:
        page = context.new_page()
        page.goto(f"{idp.base_url}/account/sessions")
        page.wait_for_url(re.compile(rf"^{re.escape(idp.base_url)}/interaction/"))
        assert "your Tessera account" in page.content()
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(f"{idp.base_url}/account/sessions")

        assert page.get_by_role("heading", level=1).inner_text() == "Where you are signed in"
        entry = page.locator("ul.sessions li")
        assert entry.count() == 1
        assert "TesseraTestBrowser/1.0" in entry.inner_text()
        assert "(this browser)" in entry.inner_text()

        page.get_by_role("button", name="Sign out everywhere").click()
        page.wait_for_url(re.compile(rf"^{re.escape(idp.base_url)}/interaction/"))
        assert page.get_by_label("Password").count() == 1
    finally:
        context.close()
