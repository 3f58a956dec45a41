"""Pushing an authorization request (RFC 9126 §2) and opening its request_uri (§4)."""

from __future__ import annotations

from typing import Any

import httpx

from idp.oauth.clients import Client
from tests.support.client_requests import client_auth, post_form
from tests.support.flows import Browser, pkce_pair
from tests.support.server import RunningIdp

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"


def push(
    idp: RunningIdp, client: Client, secret: str | None = None, **overrides: Any
) -> tuple[httpx.Response, str]:
    """POST /par with a complete code-flow request; returns the response and the PKCE
    verifier. Pass a parameter as None to leave it out."""
    verifier, challenge = pkce_pair()
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uris[0],
        "scope": "openid profile",
        "state": "pushed-state",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **overrides,
    }
    return post_form(idp, "/par", params, auth=client_auth(client, secret)), verifier


def pushed(idp: RunningIdp, client: Client, secret: str | None = None) -> tuple[str, str]:
    """The request_uri of a valid pushed request, and its PKCE verifier."""
    response, verifier = push(idp, client, secret)
    assert response.status_code == 201, response.text
    return response.json()["request_uri"], verifier


def open_request_uri(browser: Browser, client_id: str, request_uri: str) -> httpx.Response:
    """RFC 9126 §4: the browser carries only client_id and request_uri."""
    return browser.follow(browser.authorize(client_id=client_id, request_uri=request_uri))


def assert_error_page(page: httpx.Response, error: str) -> None:
    """An HTML error page on the server itself: no redirect to the client."""
    assert page.status_code == 400, page.text
    assert "location" not in page.headers
    assert page.headers["content-type"].startswith("text/html")
    assert error in page.text
