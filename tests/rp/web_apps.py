"""What the web-app login tests share: a registered client for an app on a loopback
origin, its settings, and a sign-in through Tessera's pages over HTTP."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

import httpx

from idp.authn.users import User
from idp.rp.web_login import WebLoginSettings
from tests.support.flows import PASSWORD, Browser, query_of
from tests.support.relying_party import App, web_app
from tests.support.server import RunningIdp

FORM = "application/x-www-form-urlencoded"


def registered_app(idp: RunningIdp, origin: str, **options: Any) -> App:
    """A confidential client (code and refresh grants) of the app at ``origin``."""
    options.setdefault("backchannel_logout_uri", f"{origin}/backchannel-logout")
    return web_app(
        idp,
        redirect_uris=[f"{origin}/callback"],
        post_logout_redirect_uris=[f"{origin}/"],
        **options,
    )


def settings_of(
    client_id: str, origin: str, secret: str | None, **options: Any
) -> WebLoginSettings:
    return WebLoginSettings(
        client_id=client_id,
        client_secret=secret,
        redirect_uri=f"{origin}/callback",
        post_logout_redirect_uri=f"{origin}/",
        secret_key=options.pop("secret_key", secrets.token_urlsafe(32)),
        **options,
    )


def through_idp(browser: Browser, url: str, user: User) -> dict[str, str]:
    """From the authorization URL through login and consent; the callback's query."""
    page = browser.follow(browser.http.get(url))
    if "/login" in page.text:
        page = browser.follow(browser.submit_login(page, user.username, PASSWORD))
    if "/consent" in page.text:
        page = browser.follow(browser.submit_consent(page))
    assert page.is_redirect, page.text
    return query_of(page.headers["location"])


def end_sso_session(browser: Browser, id_token: str) -> None:
    """RP-Initiated Logout at Tessera with the ID token as hint: the session ends, and
    Tessera sends each of its clients a back-channel logout token."""
    response = browser.follow(browser.http.get(f"/logout?{urlencode({'id_token_hint': id_token})}"))
    assert response.status_code == 200, response.text


def form(**fields: str) -> bytes:
    return urlencode(fields).encode()


def app_client(origin: str) -> httpx.Client:
    return httpx.Client(base_url=origin, follow_redirects=False, timeout=10)
