"""What a confidential relying party does with Tessera over HTTP: sign a user in, redeem,
refresh, introspect, call UserInfo, and see whether the browser still has an SSO
session. Each call names the node it talks to, so that tests can spread one client's
requests over several nodes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from idp.authn.users import User
from idp.oauth.clients import Client
from idp.store.models import SecurityEventRow
from tests.support.flows import Browser, code_flow, pkce_pair, query_of, redeem, register
from tests.support.server import RunningIdp

SCOPE = "openid profile email"
OFFLINE_SCOPE = "openid profile email offline_access"
USER_GRANTS = ["authorization_code", "refresh_token"]
LOGIN_FORM = re.compile(r'action="/interaction/[^"]+/login"')
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
    """A web app with the code and refresh token grants; its default scope includes
    offline_access (idp.admin.clients.default_scope)."""
    options.setdefault("grant_types", USER_GRANTS)
    client, secret = register(idp, **options)
    assert secret is not None
    return App(client, secret)


def sign_in(
    idp: RunningIdp,
    app: App,
    user: User,
    *,
    browser: Browser | None = None,
    scope: str = SCOPE,
    **params: str,
) -> dict[str, Any]:
    """The code flow with PKCE in ``browser`` (or a fresh one), redeemed at ``idp``; the
    token response."""
    query, verifier = code_flow(idp, app.client, user, browser=browser, scope=scope, **params)
    response = redeem(idp, app.client, query["code"], verifier, secret=app.secret)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def refresh(
    node: RunningIdp,
    app: App,
    refresh_token: str,
    *,
    http: httpx.Client | None = None,
    **extra: str,
) -> httpx.Response:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
    if http is not None:
        return http.post(f"{node.base_url}/token", data=data, auth=app.auth)
    return httpx.post(f"{node.base_url}/token", data=data, auth=app.auth, timeout=TIMEOUT)


def revoke(node: RunningIdp, app: App, token: str) -> httpx.Response:
    return httpx.post(
        f"{node.base_url}/revoke", data={"token": token}, auth=app.auth, timeout=TIMEOUT
    )


def introspection(node: RunningIdp, app: App, token: str) -> dict[str, Any]:
    """RFC 7662 introspection by ``app``, which must be answered; the JSON body."""
    response = httpx.post(
        f"{node.base_url}/introspect", data={"token": token}, auth=app.auth, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def is_active(node: RunningIdp, app: App, token: str) -> bool:
    return bool(introspection(node, app, token)["active"])


def userinfo(node: RunningIdp, access_token: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {access_token}"}
    return httpx.get(f"{node.base_url}/userinfo", headers=headers, timeout=TIMEOUT)


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
