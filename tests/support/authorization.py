"""A browser at the authorization endpoint (RFC 6749 §4.1.1) and what it should see:
the login and consent pages, error pages on the server, or a redirect to the client.
The fixtures ``client``, ``user`` and ``browser`` are for a spec folder's conftest.py
to import."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from idp.authn.users import User
from idp.oauth.clients import Client
from tests.support.flows import PASSWORD, Browser, create_user, pkce_pair, query_of, register
from tests.support.pages import is_login_page
from tests.support.server import RunningIdp

STATE = "af0ifjsldkj"
# RFC 6749 §4.1.2.1: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
ERROR_DESCRIPTION = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]+")


@pytest.fixture
def client(idp: RunningIdp) -> Client:
    """A third-party public client: PKCE required, consent asked."""
    return register(idp, public=True)[0]


@pytest.fixture
def user(idp: RunningIdp) -> User:
    return create_user(idp)


@pytest.fixture
def browser(idp: RunningIdp) -> Iterator[Browser]:
    with Browser(idp) as fresh:
        yield fresh


def request_params(client: Client, **overrides: str | None) -> dict[str, str]:
    """A valid code-flow request with S256 PKCE; pass a parameter as None to leave it out."""
    params: dict[str, Any] = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uris[0],
        "scope": "openid profile",
        "state": STATE,
        "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256",
        **overrides,
    }
    return {name: value for name, value in params.items() if value is not None}


def open_authorize(browser: Browser, client: Client, **overrides: str | None) -> httpx.Response:
    """GET /authorize and follow the IdP's own redirects: a page, or the client redirect."""
    return browser.follow(browser.authorize(**request_params(client, **overrides)))


def log_in(browser: Browser, client: Client, user: User, **overrides: str | None) -> httpx.Response:
    """Open the login page and submit the right password; the login POST's response."""
    page = open_authorize(browser, client, **overrides)
    assert is_login_page(page), page.text
    return browser.submit_login(page, user.username, PASSWORD)


def assert_error_page(page: httpx.Response, status: int = 400) -> None:
    """An HTML error page on the IdP itself: nothing is sent to the client."""
    assert page.status_code == status, page.text
    assert "location" not in page.headers
    assert page.headers["content-type"].startswith("text/html")


def assert_redirected_error(
    response: httpx.Response, idp: RunningIdp, client: Client, error: str, state: str | None = STATE
) -> dict[str, str]:
    """RFC 6749 §4.1.2.1 with ``iss`` (RFC 9207 §2), to the registered redirect URI."""
    assert response.is_redirect, response.text
    location = response.headers["location"]
    assert location.split("?")[0] == client.redirect_uris[0].split("?")[0], location
    query = query_of(location)
    assert query["error"] == error, query
    assert ERROR_DESCRIPTION.fullmatch(query["error_description"]), query
    assert query.get("state") == state
    assert query["iss"] == idp.base_url
    assert "code" not in query
    return query


def assert_code_issued(response: httpx.Response, client: Client) -> dict[str, str]:
    assert response.is_redirect, response.text
    assert response.headers["location"].startswith(client.redirect_uris[0])
    query = query_of(response.headers["location"])
    assert "code" in query, query
    return query
