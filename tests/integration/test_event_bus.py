"""The event bus between nodes (IDP_REDIS_URL, Redis pub/sub): two nodes on one
PostgreSQL database hear of each other's revocations and client changes within
milliseconds, although each polls the database only every 30 s while the bus is up.
With Redis away, nothing is lost and no revoked token looks valid: the nodes poll every
IDP_CACHE_POLL_INTERVAL again, and go back to the bus when Redis returns."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import pytest

from idp.admin.clients import delete_client
from tests.support.client_requests import post_form
from tests.support.cluster import running_cluster
from tests.support.databases import postgres_database
from tests.support.redis_server import redis_address, require_redis
from tests.support.relying_party import is_active, revoke, service_app, service_token
from tests.support.server import free_port
from tests.support.tcp_proxy import tcp_proxy

pytestmark = pytest.mark.postgres

SLOW_POLL = 30  # s: longer than any wait below, so only the bus can explain a prompt change


def within(seconds: float, check: Callable[[], bool], step: float = 0.005) -> float:
    """How long ``check`` took to become true; fails after ``seconds``."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        time.sleep(step)
    return time.monotonic() - started


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    url = require_redis()
    directory = tmp_path_factory.mktemp("bus")
    with (
        postgres_database() as database,
        running_cluster(
            database,
            directory,
            redis_url=url,
            cache_poll_interval=SLOW_POLL,
            bus_poll_interval=SLOW_POLL,
        ) as cluster,
    ):
        yield cluster


def test_a_revocation_on_one_node_is_heard_by_the_other_within_milliseconds(nodes):
    a, b = nodes
    app = service_app(a)
    delays = []
    for _ in range(5):
        token = service_token(a, app)
        assert is_active(b, app, token)
        revoke(a, app, token)
        delays.append(within(2, lambda token=token: not is_active(b, app, token)))
    # Each delay includes one introspection round trip; the bus itself is sub-millisecond.
    assert statistics.median(delays) < 0.5, delays


def test_a_deleted_client_is_refused_by_the_other_node_at_once(nodes):
    a, b = nodes
    app = service_app(a)
    service_token(b, app)  # b has the client in its cache now
    with a.provider.store() as store:
        delete_client(store, a.provider.revoker(store), app.client_id)

    def refused_on_b() -> bool:
        response = post_form(b, "/token", {"grant_type": "client_credentials"}, auth=app.auth)
        return response.status_code == 401

    within(2, refused_on_b)


def test_with_redis_away_nodes_poll_and_lose_nothing_then_return_to_the_bus(tmp_path):
    require_redis()
    host, port = redis_address()
    proxy_port = free_port()
    with (
        tcp_proxy(proxy_port, host, port) as proxy,
        postgres_database() as database,
        running_cluster(
            database,
            tmp_path,
            redis_url=f"redis://127.0.0.1:{proxy_port}/0",
            cache_poll_interval=0.5,
            bus_poll_interval=SLOW_POLL,
        ) as (a, b),
    ):
        within(5, lambda: a.provider.bus.healthy and b.provider.bus.healthy)
        app = service_app(a)
        token = service_token(a, app)
        assert is_active(b, app, token)

        proxy.kill()  # Redis is away: connections refused, open ones closed
        within(5, lambda: not b.provider.bus.healthy)
        revoke(a, app, token)  # announced into the void; the database has it
        within(5, lambda: not is_active(b, app, token))

        proxy.start()
        within(15, lambda: a.provider.bus.healthy and b.provider.bus.healthy)
        other = service_token(a, app)
        assert is_active(b, app, other)
        revoke(a, app, other)
        within(2, lambda: not is_active(b, app, other))
