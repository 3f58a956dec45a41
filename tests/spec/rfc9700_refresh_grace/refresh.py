"""Helpers for the refresh-token grace period and offline-lifetime specs: a confidential
web app, a signed-in user's tokens, and the refresh, introspection and UserInfo calls
those specs make, all over HTTP."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from idp.authn.users import User
from idp.oauth.clients import Client
from tests.support.flows import Browser, code_flow, create_user, pkce_pair, query_of, register
from tests.support.server import RunningIdp

SCOPE = "openid profile email"
OFFLINE_SCOPE = "openid profile email offline_access"
LOGIN_FORM = re.compile(r'action="/interaction/[^"]+/login"')


@dataclass(frozen=True)
class App:
    """A confidential client (client_secret_basic) with the code and refresh grants."""

    client: Client
    secret: str

    @property
    def auth(self) -> tuple[str, str]:
        return (self.client.client_id, self.secret)


def web_app(idp: RunningIdp, **options: Any) -> App:
    options.setdefault("grant_types", ["authorization_code", "refresh_token"])
    options.setdefault("scope", OFFLINE_SCOPE)
    client, secret = register(idp, **options)
    assert secret is not None
    return App(client, secret)


def sign_in(
    idp: RunningIdp,
    app: App,
    *,
    user: User | None = None,
    scope: str = SCOPE,
    browser: Browser | None = None,
) -> dict[str, Any]:
    """Code flow with PKCE and redemption; the token response."""
    query, verifier = code_flow(
        idp, app.client, user or create_user(idp), scope=scope, browser=browser
    )
    data = {
        "grant_type": "authorization_code",
        "code": query["code"],
        "redirect_uri": app.client.redirect_uris[0],
        "code_verifier": verifier,
    }
    response = httpx.post(f"{idp.base_url}/token", data=data, auth=app.auth, timeout=10)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def refresh(idp: RunningIdp, app: App, refresh_token: str) -> httpx.Response:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return httpx.post(f"{idp.base_url}/token", data=data, auth=app.auth, timeout=10)


def refreshed(idp: RunningIdp, app: App, refresh_token: str) -> dict[str, Any]:
    """A refresh that must succeed; its token response."""
    response = refresh(idp, app, refresh_token)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def assert_invalid_grant(response: httpx.Response) -> None:
    """RFC 6749 §5.2."""
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant", response.text


def introspection(idp: RunningIdp, app: App, token: str) -> dict[str, Any]:
    response = httpx.post(
        f"{idp.base_url}/introspect", data={"token": token}, auth=app.auth, timeout=10
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def userinfo_status(idp: RunningIdp, access_token: str) -> int:
    headers = {"Authorization": f"Bearer {access_token}"}
    return httpx.get(f"{idp.base_url}/userinfo", headers=headers, timeout=10).status_code


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's payload, unverified (its exp, auth_time)."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def has_sso_session(browser: Browser, app: App) -> bool:
    """Whether /authorize gets the browser a code at once, or shows the login page."""
    page = browser.follow(
        browser.authorize(
            response_type="code",
            client_id=app.client.client_id,
            redirect_uri=app.client.redirect_uris[0],
            scope="openid",
            code_challenge=pkce_pair()[1],
            code_challenge_method="S256",
        )
    )
    if page.status_code == 200 and LOGIN_FORM.search(page.text):
        return False
    assert page.is_redirect, page.text
    assert "code" in query_of(page.headers["location"]), page.headers["location"]
    return True
