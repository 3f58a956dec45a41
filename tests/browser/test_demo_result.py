"""`idp serve --demo` ends in the browser: the URL it prints leads through sign-in and
consent to a page on the IdP that shows who signed in and the claims of the ID token
the demo relying party received and verified (OIDC Core §3.1.3.7)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page

from tests.cli.processes import served_idp

pytestmark = pytest.mark.browser

DEMO_FIELD = re.compile(r"\s+(user|password|client_id):\s+(\S+).*")


def demo_instructions(lines: list[str]) -> tuple[dict[str, str], str]:
    """What `idp serve --demo` printed: the demo credentials, and the URL to open (the
    line after "Open this URL ...")."""
    fields = {}
    for line in lines:
        match = DEMO_FIELD.fullmatch(line)
        if match:
            fields[match.group(1)] = match.group(2)
    assert set(fields) == {"user", "password", "client_id"}, lines
    [index] = [i for i, line in enumerate(lines) if line.startswith("Open this URL")]
    return fields, lines[index + 1].strip()


def claims_table(page: Page, heading: str) -> dict[str, str]:
    """The rows (name: value) of the table after the heading ``heading``."""
    table = page.locator(f"h2:text-is('{heading}') + table")
    rows = table.locator("tr")
    return {
        rows.nth(i).locator("th").inner_text(): rows.nth(i).locator("td").inner_text()
        for i in range(rows.count())
    }


def test_the_printed_demo_url_ends_on_a_page_showing_the_verified_id_token_claims(
    tmp_path, chromium: Browser
):
    with served_idp(tmp_path, "--demo") as server:
        demo, url = demo_instructions(server.wait_for_stdout_line("Open this URL"))
        assert url == f"{server.base_url}/demo"

        context = chromium.new_context()
        try:
            page = context.new_page()
            page.goto(url)
            page.wait_for_url(re.compile(rf"^{re.escape(server.base_url)}/interaction/"))
            page.get_by_label("Username").fill(demo["user"])
            page.get_by_label("Password").fill(demo["password"])
            page.get_by_role("button", name="Sign in", exact=True).click()
            page.get_by_role("heading", name="Allow access?").wait_for()
            page.get_by_role("button", name="Allow").click()
            page.wait_for_url(f"{server.base_url}/demo/callback?**")

            heading = page.get_by_role("heading", level=1)
            assert heading.inner_text() == "Signed in as Demo User"
            claims = claims_table(page, "ID token claims")
            userinfo = claims_table(page, "UserInfo")

            page.get_by_role("link", name="Sign out").click()
            page.wait_for_url(f"{server.base_url}/demo/signed-out")
            assert page.get_by_role("heading", level=1).inner_text() == "Signed out of the demo"
            page.get_by_role("link", name="Sign in again").click()
            page.wait_for_url(re.compile(rf"^{re.escape(server.base_url)}/interaction/"))
            assert page.get_by_label("Password").count() == 1  # the session has ended
        finally:
            context.close()

    assert claims["iss"] == server.base_url
    assert claims["aud"] == demo["client_id"]
    assert claims["sub"] == userinfo["sub"]
    assert claims["nonce"]  # the demo relying party checked it against its own
    assert {"iat", "exp", "auth_time", "sid"} <= set(claims), claims
    assert userinfo["name"] == "Demo User"
