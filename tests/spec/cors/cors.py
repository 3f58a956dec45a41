"""Helpers for the CORS spec (the Fetch standard's CORS protocol): a browser app's
client, requests that carry an Origin the way a browser sends one, and the checks a
browser makes on the answer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from idp.oauth.clients import Client
from tests.support.client_requests import post_form
from tests.support.databases import database_url
from tests.support.flows import code_flow, create_user, register
from tests.support.server import RunningIdp, running_idp

SPA_ORIGIN = "https://spa.example"
SPA_CALLBACK = f"{SPA_ORIGIN}/callback"
OTHER_ORIGIN = "https://other.example"
OTHER_CALLBACK = f"{OTHER_ORIGIN}/callback"
USER_GRANTS = ["authorization_code", "refresh_token"]
SCOPE = "openid profile email offline_access"


@contextmanager
def node_that_keeps_its_client_cache(directory: Path) -> Iterator[RunningIdp]:
    """A server that looks for registration changes only once a minute, so its cached
    clients are never dropped in the middle of a module's requests. Answers then show
    the CORS rules alone: whether a cache refresh during a request loses the headers
    is test_client_registrations_meanwhile's question (it does: a server bug)."""
    with (
        database_url("sqlite", directory) as url,
        running_idp(url, directory, cache_poll_interval=60) as server,
    ):
        yield server


def spa_client(idp: RunningIdp, **options: Any) -> Client:
    """A public client (PKCE, no secret) that redirects to https://spa.example/callback."""
    options.setdefault("redirect_uris", [SPA_CALLBACK])
    client, _ = register_client(idp, public=True, **options)
    return client


def register_client(idp: RunningIdp, **options: Any) -> tuple[Client, str | None]:
    """A client with the code and refresh grants, offline_access allowed."""
    options.setdefault("grant_types", USER_GRANTS)
    options.setdefault("scope", SCOPE)
    return register(idp, **options)


def code_for(idp: RunningIdp, client: Client) -> dict[str, str]:
    """A signed-in user's authorization code, with its PKCE verifier, as token-request
    parameters for a public client."""
    query, verifier = code_flow(idp, client, create_user(idp), scope=SCOPE)
    return {
        "grant_type": "authorization_code",
        "code": query["code"],
        "redirect_uri": client.redirect_uris[0],
        "code_verifier": verifier,
        "client_id": client.client_id,
    }


def tokens_for(idp: RunningIdp, client: Client) -> dict[str, Any]:
    """Tokens for a signed-in user, fetched without any Origin (as a server would)."""
    response = post_form(idp, "/token", code_for(idp, client))
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def from_origin(origin: str, **headers: str) -> dict[str, str]:
    return {"Origin": origin, **headers}


def preflight(idp: RunningIdp, path: str, origin: str, method: str = "POST") -> httpx.Response:
    """What a browser sends before a request it may not send without asking."""
    headers = from_origin(
        origin,
        **{
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    return httpx.options(f"{idp.base_url}{path}", headers=headers, timeout=10)


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {
        name: value
        for name, value in response.headers.items()
        if name.lower().startswith("access-control-")
    }


def assert_readable_by(response: httpx.Response, origin: str) -> None:
    """A browser lets scripts of ``origin`` read this response; never with credentials."""
    assert response.headers.get("access-control-allow-origin") == origin, response.headers
    assert "access-control-allow-credentials" not in response.headers, response.headers
    if origin != "*":  # the answer depends on Origin, so caches must key on it
        assert "origin" in vary(response), response.headers


def assert_not_readable_cross_origin(response: httpx.Response) -> None:
    """No Access-Control-Allow-Origin: a browser keeps the response from the script."""
    assert "access-control-allow-origin" not in response.headers, response.headers
    assert "access-control-allow-credentials" not in response.headers, response.headers


def exposed_headers(response: httpx.Response) -> set[str]:
    """Headers beyond the safelisted ones that scripts may read (lower case)."""
    exposed = response.headers.get("access-control-expose-headers", "")
    return {item.strip().lower() for item in exposed.split(",") if item.strip()}


def vary(response: httpx.Response) -> set[str]:
    return {
        item.strip().lower()
        for value in response.headers.get_list("vary")
        for item in value.split(",")
    }
