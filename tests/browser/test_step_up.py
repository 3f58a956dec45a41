"""Step-up in a real headless Chromium (OIDC Core §3.1.2.1 acr_values): a user signed in
with a password only is asked, when a client then asks for the MFA class, for the code
alone (no password again), and the new tokens say so. Screenshots under tmp_path."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import jwt
import pytest
from playwright.sync_api import Browser, Page

from idp.authn.methods import MFA_ACR, PASSWORD_ACR
from tests.browser.test_mfa_sign_in import screenshot
from tests.browser.test_sign_in_pages import REDIRECT_URI, open_sign_in
from tests.support.client_requests import redeem
from tests.support.flows import PASSWORD, create_user, pkce_pair, query_of, register
from tests.support.second_factor import enrol

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def client(idp):
    client, _ = register(idp, public=True, first_party=True, redirect_uris=[REDIRECT_URI])
    return client


def id_token_of(idp, page: Page, client, verifier: str) -> dict:
    page.wait_for_url(f"{REDIRECT_URI}?**")
    tokens = redeem(idp, client, query_of(page.url)["code"], verifier)
    assert tokens.status_code == 200, tokens.text
    return jwt.decode(tokens.json()["id_token"], options={"verify_signature": False})


def test_a_password_session_steps_up_with_the_code_alone(idp, chromium: Browser, client, tmp_path):
    user = create_user(idp)
    page, _, verifier = open_sign_in(idp, chromium, client)
    try:
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()  # on to the client
        assert id_token_of(idp, page, client, verifier)["acr"] == PASSWORD_ACR
        enrolled = enrol(idp, user)  # the user sets up an app after that sign-in
        verifier, challenge = pkce_pair()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": client.client_id,
                "redirect_uri": REDIRECT_URI,
                "scope": "openid",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "acr_values": MFA_ACR,
            }
        )
        page.goto(f"{idp.base_url}/authorize?{query}")
        page.wait_for_url(re.compile(r".*/interaction/[^/]+$"))
        assert page.get_by_role("heading", name="Two-step verification").is_visible()
        assert page.get_by_label("Password").count() == 0  # the password is not asked again
        page.get_by_label(re.compile("Code from your authenticator app")).fill(enrolled.code(idp))
        screenshot(page, tmp_path / "step-up-code.png")
        page.get_by_role("button", name="Verify").click()
        claims = id_token_of(idp, page, client, verifier)
        assert claims["acr"] == MFA_ACR
        assert set(claims["amr"]) == {"pwd", "otp", "mfa"}
    finally:
        page.context.close()
