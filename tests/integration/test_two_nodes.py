"""Two Tessera nodes on one PostgreSQL database, as behind a load balancer: same issuer,
same instance secret. What one node changes, the other honours within the cache poll
interval (IDP_CACHE_POLL_INTERVAL), without reading the database on every request."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from tests.support.client_requests import post_form
from tests.support.databases import postgres_database
from tests.support.flows import register
from tests.support.server import running_idp

POLL = 0.2


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cluster")
    with (
        postgres_database() as url,
        running_idp(url, directory, cache_poll_interval=POLL) as a,
        running_idp(url, directory, issuer=a.base_url, cache_poll_interval=POLL) as b,
    ):
        yield a, b


def eventually(check: Callable[[], bool], within: float = 5 * POLL + 2) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(POLL / 2)
    return check()


def client_credentials(node, client_id: str, secret: str) -> httpx.Response:
    return post_form(node, "/token", {"grant_type": "client_credentials"}, auth=(client_id, secret))


def test_a_token_from_one_node_is_introspected_on_the_other(nodes):
    a, b = nodes
    client, secret = register(a, grant_types=["client_credentials"], scope="orders:read")
    token = client_credentials(a, client.client_id, secret).json()["access_token"]
    answer = httpx.post(
        f"{b.base_url}/introspect", data={"token": token}, auth=(client.client_id, secret)
    )
    assert answer.json()["active"] is True


def test_a_deleted_client_is_refused_by_every_node(nodes):
    a, b = nodes
    client, secret = register(a, grant_types=["client_credentials"], scope="orders:read")
    assert client_credentials(b, client.client_id, secret).status_code == 200  # now cached
    with a.provider.store() as store:
        store.delete_client(client.client_id)
    assert eventually(lambda: client_credentials(b, client.client_id, secret).status_code == 401)


def test_a_revocation_on_one_node_is_honoured_by_the_other__rfc7009_s2(nodes):
    a, b = nodes
    client, secret = register(a, grant_types=["client_credentials"], scope="orders:read")
    token = client_credentials(a, client.client_id, secret).json()["access_token"]

    def active_on_b() -> bool:
        answer = httpx.post(
            f"{b.base_url}/introspect", data={"token": token}, auth=(client.client_id, secret)
        )
        return bool(answer.json()["active"])

    assert active_on_b()
    revoked = httpx.post(
        f"{a.base_url}/revoke", data={"token": token}, auth=(client.client_id, secret)
    )
    assert revoked.status_code == 200
    assert eventually(lambda: not active_on_b())
