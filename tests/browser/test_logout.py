"""Logout in a real headless Chromium with two relying parties: one told by the back
channel, one by a framed front-channel page; the browser then returns to the first."""

from __future__ import annotations

from urllib.parse import urlencode

import jwt
import pytest
from playwright.sync_api import Browser, Page

from idp.secret import new_token
from tests.support.client_requests import redeem
from tests.support.databases import database_url
from tests.support.flows import PASSWORD, create_user, pkce_pair, query_of
from tests.support.logout_receiver import LogoutReceiver, logout_receiver
from tests.support.relying_party import App, web_app
from tests.support.server import running_idp

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    """Allowed to send back-channel logout tokens to loopback (IDP_OUTBOUND_ALLOW_PRIVATE)."""
    directory = tmp_path_factory.mktemp("idp")
    with (
        database_url("sqlite", directory) as url,
        running_idp(url, directory, outbound_allow_private=True) as server,
    ):
        yield server


def sign_in(idp, page: Page, app: App, site: LogoutReceiver, username: str) -> str:
    """Through the IdP's pages to the app's callback; the code it got."""
    verifier, challenge = pkce_pair()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": f"{site.origin}/callback",
            "scope": "openid profile",
            "state": new_token(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    page.goto(f"{idp.base_url}/authorize?{query}")
    if page.locator("input[name=password]").count():
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[name=login]")
    page.click("button[value=allow]")
    page.wait_for_url(f"{site.origin}/callback?**")
    code = query_of(page.url)["code"]
    response = redeem(idp, app.client, code, verifier, app.secret)
    assert response.status_code == 200, response.text
    return str(response.json()["id_token"])


def test_logout_reaches_both_applications_and_returns(idp, chromium: Browser):
    user = create_user(idp)
    with logout_receiver() as first_site, logout_receiver() as second_site:
        first = web_app(
            idp,
            redirect_uris=[f"{first_site.origin}/callback"],
            post_logout_redirect_uris=[f"{first_site.origin}/signed-out"],
            backchannel_logout_uri=first_site.backchannel_uri,
        )
        second = web_app(
            idp,
            redirect_uris=[f"{second_site.origin}/callback"],
            frontchannel_logout_uri=second_site.frontchannel_uri,
        )
        context = chromium.new_context()
        page = context.new_page()
        id_token = sign_in(idp, page, first, first_site, user.username)
        sign_in(idp, page, second, second_site, user.username)  # the session signs in
        sid = jwt.decode(id_token, options={"verify_signature": False})["sid"]

        logout = urlencode(
            {
                "id_token_hint": id_token,
                "post_logout_redirect_uri": f"{first_site.origin}/signed-out",
                "state": "back",
            }
        )
        page.goto(f"{idp.base_url}/logout?{logout}")
        page.wait_for_url(f"{first_site.origin}/signed-out?state=back", timeout=10000)

        (framed,) = second_site.wait_for_frames(1)
        assert framed == {"iss": idp.issuer, "sid": sid}
        (posted,) = first_site.wait_for_posts(1)
        claims = jwt.decode(posted["logout_token"], options={"verify_signature": False})
        assert claims["sid"] == sid
        assert not [c for c in context.cookies(idp.base_url) if c["name"] == "idp_session"]

        # Signed out everywhere: the next sign-in asks for the password again.
        page.goto(
            f"{idp.base_url}/authorize?"
            + urlencode(
                {
                    "response_type": "code",
                    "client_id": second.client_id,
                    "redirect_uri": f"{second_site.origin}/callback",
                    "scope": "openid",
                    "code_challenge": pkce_pair()[1],
                    "code_challenge_method": "S256",
                }
            )
        )
        assert page.locator("input[name=password]").count() == 1
        context.close()
