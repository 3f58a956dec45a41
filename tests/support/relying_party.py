"""What a confidential relying party does with Tessera over HTTP once it is registered:
refresh, revoke, introspect, call UserInfo, and see whether the browser still has an SSO
session. Each call names the node it talks to, so that tests can spread one client's
requests over several nodes. Signing in is tests/support/sign_in.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from idp.oauth.clients import Client
from idp.store.models import SecurityEventRow
from tests.support.client_requests import post_form
from tests.support.flows import Browser, pkce_pair, query_of, register
from tests.support.pages import LOGIN_FORM
from tests.support.server import RunningIdp

SCOPE = "openid profile email"
OFFLINE_SCOPE = "openid profile email offline_access"
USER_GRANTS = ["authorization_code", "refresh_token"]
ORDERS_API = "https://api.example/orders"
SERVICE_SCOPE = "orders:read orders:write"
TIMEOUT = 30


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


def web_app(idp: RunningIdp, **options: Any) -> App:
    """A web app with the code and refresh token grants, allowed offline_access (also
    when ``grant_types`` leaves the refresh grant out)."""
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


def refresh(
    node: RunningIdp,
    app: App,
    refresh_token: str,
    *,
    http: httpx.Client | None = None,
    **extra: str,
) -> httpx.Response:
    """RFC 6749 §6: the refresh token grant."""
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
    return post_form(node, "/token", data, auth=app.auth, http=http, timeout=TIMEOUT)


def refreshed(node: RunningIdp, app: App, refresh_token: str, **extra: str) -> dict[str, Any]:
    """A refresh that must succeed; its token response."""
    response = refresh(node, app, refresh_token, http=None, **extra)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def service_token(node: RunningIdp, app: App, **extra: str) -> str:
    """An access token from the client credentials grant (RFC 6749 §4.4)."""
    data = {"grant_type": "client_credentials", **extra}
    response = post_form(node, "/token", data, auth=app.auth, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def revoke(node: RunningIdp, app: App, token: str, **extra: str) -> httpx.Response:
    """RFC 7009 §2.1."""
    return post_form(node, "/revoke", {"token": token, **extra}, auth=app.auth, timeout=TIMEOUT)


def introspect(
    node: RunningIdp, app: App, token: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """RFC 7662 §2.1."""
    data = {"token": token}
    return post_form(node, "/introspect", data, auth=app.auth, headers=headers, timeout=TIMEOUT)


def introspection(node: RunningIdp, app: App, token: str) -> dict[str, Any]:
    """RFC 7662 introspection by ``app``, which must be answered; the JSON body."""
    response = introspect(node, app, token)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def is_active(node: RunningIdp, app: App, token: str) -> bool:
    return bool(introspection(node, app, token)["active"])


def userinfo(
    node: RunningIdp,
    access_token: str | None = None,
    *,
    method: str = "GET",
    data: dict[str, str] | None = None,
) -> httpx.Response:
    """OIDC Core §5.3.1: /userinfo with ``access_token`` (if any) as a Bearer header
    (RFC 6750 §2.1); ``data`` is the form of a POST."""
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    url = f"{node.base_url}/userinfo"
    return httpx.request(method, url, headers=headers, data=data, timeout=TIMEOUT)


def userinfo_status(node: RunningIdp, access_token: str) -> int:
    return userinfo(node, access_token).status_code


def is_refused_at_userinfo(node: RunningIdp, access_token: str) -> bool:
    """RFC 6750 §3.1: 401 with ``invalid_token`` in the body and the Bearer challenge."""
    response = userinfo(node, access_token)
    if response.status_code == 200:
        return False
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_token", response.text
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    return True


def has_sso_session(browser: Browser, app: App) -> bool:
    """Whether /authorize gets the browser a code at once (a live SSO session and
    consent on record) or shows it the login page."""
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


def security_events(idp: RunningIdp, subject: str) -> list[dict[str, Any]]:
    """The rows of security_events about ``subject``, oldest first."""
    query = (
        select(SecurityEventRow)
        .where(SecurityEventRow.subject == subject)
        .order_by(SecurityEventRow.id)
    )
    with idp.provider.store() as store:
        rows = store.session.scalars(query).all()
        return [
            {"event_type": row.event_type, "client_id": row.client_id, "detail": row.detail}
            for row in rows
        ]


def security_event_types(idp: RunningIdp, subject: str) -> list[str]:
    """The types of the security events recorded about ``subject``, oldest first."""
    return [event["event_type"] for event in security_events(idp, subject)]
