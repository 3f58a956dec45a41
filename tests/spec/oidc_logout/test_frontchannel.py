"""OpenID Connect Front-Channel Logout 1.0: the signed-out page frames each client's
logout page, with iss and sid, and then continues to the post-logout redirect URI."""

from __future__ import annotations

import re
from html import unescape

import jwt
import pytest

from idp.oauth.clients import InvalidClientMetadataError
from tests.support.flows import Browser, create_user, query_of
from tests.support.logout_receiver import logout_receiver
from tests.support.relying_party import web_app
from tests.support.sign_in import sign_in

RETURN_TO = "https://app.example/signed-out"
FRAME = re.compile(r'<iframe class="logout-frame" src="([^"]+)"')


def test_the_signed_out_page_frames_each_clients_logout_page(idp):
    user = create_user(idp)
    with logout_receiver() as site, Browser(idp) as browser:
        framed = web_app(
            idp,
            redirect_uris=[f"{site.origin}/callback"],
            frontchannel_logout_uri=site.frontchannel_uri,
        )
        starter = web_app(idp, post_logout_redirect_uris=[RETURN_TO])
        sign_in(idp, framed, user, browser=browser)
        id_token = sign_in(idp, starter, user, browser=browser)["id_token"]
        page = browser.http.get(
            "/logout",
            params={"id_token_hint": id_token, "post_logout_redirect_uri": RETURN_TO, "state": "s"},
        )
    assert page.status_code == 200, page.text
    (src,) = [unescape(uri) for uri in FRAME.findall(page.text)]
    assert src.startswith(site.frontchannel_uri + "?")
    sid = jwt.decode(id_token, options={"verify_signature": False})["sid"]
    assert query_of(src) == {"iss": idp.issuer, "sid": sid}  # §2: iss and sid
    # One policy: a second one (the default, appended) would block the frames.
    (policy,) = page.headers.get_list("content-security-policy")
    assert f"frame-src {site.origin}" in policy
    assert "frame-ancestors 'none'" in policy
    assert f'href="{RETURN_TO}?state=s"' in page.text
    assert "/static/logout.js" in page.text


def test_without_front_channel_clients_the_page_frames_nothing(idp):
    starter = web_app(idp, post_logout_redirect_uris=[RETURN_TO])
    with Browser(idp) as browser:
        id_token = sign_in(idp, starter, browser=browser)["id_token"]
        response = browser.http.get("/logout", params={"id_token_hint": id_token})
    assert "<iframe" not in response.text
    assert "frame-src" not in response.headers["content-security-policy"]


@pytest.mark.parametrize(
    "uri",
    [
        "https://elsewhere.example/logout",  # not the origin of a redirect URI (§2)
        "https://app.example/logout#frag",
        "ftp://app.example/logout",
    ],
)
def test_a_front_channel_uri_must_share_a_redirect_uris_origin(idp, uri):
    with pytest.raises(InvalidClientMetadataError):
        web_app(idp, redirect_uris=["https://app.example/cb"], frontchannel_logout_uri=uri)


@pytest.mark.parametrize(
    "uri", ["http://app.example/logout", "https://app.example/logout#f", "app.example/logout"]
)
def test_a_back_channel_uri_must_be_https_or_loopback(idp, uri):
    with pytest.raises(InvalidClientMetadataError):
        web_app(idp, backchannel_logout_uri=uri)
