"""A browser app must be able to read why it was refused: the error body and the
challenge in WWW-Authenticate, which the answer exposes to scripts. RFC 6750 §3.1 tells
a client whose access token expired or was revoked (invalid_token) to get a new one,
and a script can only learn that from an answer its origin may read; a node must answer
the same whether or not it holds the client in its cache. This module moves its
server's clock."""

from __future__ import annotations

import time

import httpx

from tests.spec.cors.cors import (
    SPA_ORIGIN,
    assert_readable_by,
    exposed_headers,
    from_origin,
    spa_client,
    tokens_for,
)
from tests.support.client_requests import post_form, redeem
from tests.support.flows import code_flow, create_user, register
from tests.support.server import RunningIdp


def get_userinfo(idp: RunningIdp, access_token: str) -> httpx.Response:
    headers = from_origin(SPA_ORIGIN, Authorization=f"Bearer {access_token}")
    return httpx.get(f"{idp.base_url}/userinfo", headers=headers, timeout=10)


def another_registration_seen(idp: RunningIdp, client_id: str) -> None:
    """Register some other client, and wait until the node has noticed and dropped its
    cached clients (idp.oauth.client_cache), as every node does after a registration
    (or holds none of them after a restart, or never served this client)."""
    register(idp, name="another app")
    deadline = time.monotonic() + 10 * idp.settings.cache_poll_interval + 10
    while idp.provider.clients.holds(client_id):
        assert time.monotonic() < deadline, "the node never noticed the registration"
        time.sleep(0.02)


def assert_readable_challenge(response: httpx.Response, error: str) -> None:
    """RFC 6750 §3: the error is in the Bearer challenge, which scripts may read."""
    assert f'error="{error}"' in response.headers["www-authenticate"], response.headers
    assert_readable_by(response, SPA_ORIGIN)
    assert "www-authenticate" in exposed_headers(response), response.headers


def test_insufficient_scope_is_readable_by_the_clients_origin__rfc6750_s3_1(idp):
    """Whether or not the node still holds the client in its cache."""
    client = spa_client(idp)
    query, verifier = code_flow(idp, client, create_user(idp), scope="profile email")
    tokens = redeem(idp, client, query["code"], verifier).json()
    assert "openid" not in tokens["scope"].split()
    another_registration_seen(idp, client.client_id)
    response = get_userinfo(idp, tokens["access_token"])
    assert response.status_code == 403, response.text
    assert_readable_challenge(response, "insufficient_scope")


def test_revoked_access_token_refusal_is_readable_by_its_clients_origin__rfc6750_s3_1(idp):
    client = spa_client(idp)
    token = tokens_for(idp, client)["access_token"]
    revoked = post_form(idp, "/revoke", {"token": token, "client_id": client.client_id})
    assert revoked.status_code == 200, revoked.text
    response = get_userinfo(idp, token)
    assert response.status_code == 401, response.text
    assert_readable_challenge(response, "invalid_token")


def test_expired_access_token_refusal_is_readable_by_its_clients_origin__rfc6750_s3_1(idp):
    token = tokens_for(idp, spa_client(idp))["access_token"]
    idp.clock.advance(idp.settings.access_token_ttl + 60)
    response = get_userinfo(idp, token)
    assert response.status_code == 401, response.text
    assert_readable_challenge(response, "invalid_token")
