"""A user signs in to a client: the code flow with PKCE in a browser (``code_flow``,
tests/support/flows.py), stopped where a test needs it:

- ``sign_in``: an ``App`` (tests/support/relying_party.py) redeems the code; its tokens;
- ``sign_in_for_tokens``: any client, with or without a secret, redeems it; its tokens;
- ``sign_in_for_code``: the code and its PKCE verifier, not yet redeemed;
- ``sign_in_browser``: nothing redeemed, a live SSO session (and consent) in the browser;
- ``sign_in_from_page``: login and consent from a login page the browser already shows.
"""

from __future__ import annotations

from typing import Any

import httpx

from idp.authn.users import User
from idp.oauth.clients import Client
from tests.support.client_requests import redeem
from tests.support.flows import PASSWORD, Browser, code_flow, create_user, query_of
from tests.support.relying_party import SCOPE, App
from tests.support.server import RunningIdp


def sign_in(
    idp: RunningIdp,
    app: App,
    user: User | None = None,
    *,
    browser: Browser | None = None,
    scope: str = SCOPE,
    **params: str,
) -> dict[str, Any]:
    """``user`` (or a new one) signs in to ``app`` in ``browser`` (or a fresh one), and
    ``app`` redeems the code at ``idp``; the token response."""
    return sign_in_for_tokens(
        idp, app.client, app.secret, user, browser=browser, scope=scope, **params
    )


def sign_in_for_tokens(
    idp: RunningIdp,
    client: Client,
    secret: str | None = None,
    user: User | None = None,
    *,
    browser: Browser | None = None,
    **params: str,
) -> dict[str, Any]:
    """Sign in and redeem the code (with ``secret``, or as a public client); the token
    response, which must be a success."""
    code, verifier = sign_in_for_code(idp, client, user, browser=browser, **params)
    response = redeem(idp, client, code, verifier, secret)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def sign_in_for_code(
    idp: RunningIdp,
    client: Client,
    user: User | None = None,
    *,
    browser: Browser | None = None,
    **params: str,
) -> tuple[str, str]:
    """``user`` (or a new one) signs in with PKCE; (code, verifier)."""
    query, verifier = code_flow(idp, client, user or create_user(idp), browser=browser, **params)
    return query["code"], verifier


def sign_in_browser(browser: Browser, client: Client, user: User) -> None:
    """Log in and consent, leaving a live session (and consent) in the browser."""
    code_flow(browser.idp, client, user, browser=browser, scope="openid profile")


def sign_in_from_page(browser: Browser, page: httpx.Response, user: User) -> dict[str, str]:
    """Login and consent from the login page ``page``; the query of the redirect to the
    client."""
    page = browser.follow(browser.submit_login(page, user.username, PASSWORD))
    page = browser.follow(browser.submit_consent(page))
    assert page.is_redirect, page.text
    return query_of(page.headers["location"])
