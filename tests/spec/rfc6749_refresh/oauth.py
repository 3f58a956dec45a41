"""Helpers shared by the refresh (RFC 6749 §6), revocation (RFC 7009) and introspection
(RFC 7662) specs: confidential clients, signed-in users' tokens, and the endpoints
those specs talk to, all over HTTP."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import sqlalchemy

from idp.authn.users import User
from idp.oauth.clients import Client
from tests.support.assertions import assert_oauth_error  # noqa: F401 (re-exported)
from tests.support.flows import (
    Browser,
    code_flow,
    create_user,
    pkce_pair,
    query_of,
    redeem,
    register,
)
from tests.support.server import RunningIdp

SCOPE = "openid profile email"
OFFLINE_SCOPE = "openid profile email offline_access"
USER_GRANTS = ["authorization_code", "refresh_token"]
ORDERS_API = "https://api.example/orders"
SERVICE_SCOPE = "orders:read orders:write"
# RFC 9700 §4.14.2 reuse is recorded as a CAEP session-revoked event.
SESSION_REVOKED = "https://schemas.openid.net/secevent/caep/event-type/session-revoked"
LOGIN_FORM = re.compile(r'action="/interaction/[^"]+/login"')


@dataclass(frozen=True)
class App:
    """A confidential client (client_secret_basic) and its secret."""

    client: Client
    secret: str

    @property
    def client_id(self) -> str:
        return self.client.client_id

    @property
    def auth(self) -> tuple[str, str]:
        return (self.client.client_id, self.secret)


def user_app(idp: RunningIdp, **options: Any) -> App:
    """A web app with the code and refresh token grants, allowed offline_access."""
    options.setdefault("grant_types", USER_GRANTS)
    options.setdefault("scope", OFFLINE_SCOPE)
    client, secret = register(idp, **options)
    assert secret is not None
    return App(client, secret)


def service_app(idp: RunningIdp, **options: Any) -> App:
    """A confidential client with the client credentials grant for the orders API."""
    options.setdefault("grant_types", ["client_credentials"])
    options.setdefault("scope", SERVICE_SCOPE)
    options.setdefault("resources", [ORDERS_API])
    client, secret = register(idp, **options)
    assert secret is not None
    return App(client, secret)


def sign_in(
    idp: RunningIdp,
    app: App,
    user: User | None = None,
    *,
    scope: str = SCOPE,
    browser: Browser | None = None,
) -> dict[str, Any]:
    """Code flow with PKCE and redemption; the token response."""
    query, verifier = code_flow(
        idp, app.client, user or create_user(idp), scope=scope, browser=browser
    )
    response = redeem(idp, app.client, query["code"], verifier, secret=app.secret)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def post(
    idp: RunningIdp,
    path: str,
    data: dict[str, str],
    auth: tuple[str, str] | None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return httpx.post(f"{idp.base_url}{path}", data=data, auth=auth, headers=headers, timeout=10)


def refresh(idp: RunningIdp, app: App, refresh_token: str, **extra: str) -> httpx.Response:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
    return post(idp, "/token", data, app.auth)


def refreshed(idp: RunningIdp, app: App, refresh_token: str, **extra: str) -> dict[str, Any]:
    """A refresh that must succeed; its token response."""
    response = refresh(idp, app, refresh_token, **extra)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def service_token(idp: RunningIdp, app: App, **extra: str) -> str:
    """An access token from the client credentials grant."""
    response = post(idp, "/token", {"grant_type": "client_credentials", **extra}, app.auth)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def revoke(idp: RunningIdp, app: App, token: str, **extra: str) -> httpx.Response:
    return post(idp, "/revoke", {"token": token, **extra}, app.auth)


def introspect(
    idp: RunningIdp, app: App, token: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    return post(idp, "/introspect", {"token": token}, app.auth, headers)


def introspection(idp: RunningIdp, app: App, token: str) -> dict[str, Any]:
    """An introspection that must be answered; the JSON body."""
    response = introspect(idp, app, token)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def userinfo_status(idp: RunningIdp, access_token: str) -> int:
    headers = {"Authorization": f"Bearer {access_token}"}
    return httpx.get(f"{idp.base_url}/userinfo", headers=headers, timeout=10).status_code


def claims_of(token: str) -> dict[str, Any]:
    """The payload of a JWT, unverified (for lifetimes and scope)."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def security_events(idp: RunningIdp, subject: str) -> list[str]:
    """Event types recorded in security_events about ``subject``."""
    query = sqlalchemy.text("select event_type from security_events where subject = :subject")
    with idp.provider.store() as store:
        return [row[0] for row in store.session.execute(query, {"subject": subject}).all()]


def has_sso_session(browser: Browser, app: App) -> bool:
    """Whether /authorize gets the browser a code at once, or shows the login page."""
    page = browser.follow(
        browser.authorize(
            response_type="code",
            client_id=app.client_id,
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
