"""The security event stream across nodes: a subscriber on one node receives what is
revoked on the other within milliseconds through Redis, and with Redis away loses
nothing (the node polls); one that resumes on the other node gets exactly what it
missed. A push delivery cut off by a crash (-9) is sent again, with its jti, after the
restart."""

from __future__ import annotations

import threading
import time

import jwt
import pytest

from tests.cli.processes import served_idp
from tests.support.cluster import running_cluster
from tests.support.databases import postgres_database
from tests.support.logout_receiver import Behaviour, logout_receiver
from tests.support.redis_server import redis_address, require_redis
from tests.support.relying_party import revoke, service_app, service_token
from tests.support.served_flows import administered
from tests.support.server import free_port
from tests.support.ssf import SseReader, create_stream, sse_connect, ssf_receiver, ssf_token
from tests.support.tcp_proxy import tcp_proxy

SSE = {"method": "urn:tessera:ssf:sse"}
SLOW_POLL = 30


def revoke_later(node, app, delay: float = 0.5) -> dict[str, float]:
    """Revoke a fresh token of ``app`` on ``node`` after ``delay``; when it was done."""
    token = service_token(node, app)
    done: dict[str, float] = {}

    def revoking() -> None:
        assert revoke(node, app, token).status_code == 200
        done["at"] = time.monotonic()

    threading.Timer(delay, revoking).start()
    return done


@pytest.mark.postgres
def test_a_subscriber_on_one_node_hears_the_other_through_redis_and_resumes_anywhere(
    tmp_path,
):
    url = require_redis()
    with (
        postgres_database() as database,
        running_cluster(
            database,
            tmp_path,
            redis_url=url,
            cache_poll_interval=SLOW_POLL,
            bus_poll_interval=SLOW_POLL,
        ) as (a, b),
    ):
        token = ssf_token(a, ssf_receiver(a))
        stream = create_stream(a, token, delivery=SSE)
        app = service_app(a)
        with sse_connect(b, token, stream) as response:
            reader = SseReader(response)
            done = revoke_later(a, app)
            last_id, _, _ = reader.next_event()
            assert time.monotonic() - done["at"] < 1.0  # not the 30 s poll
        for _ in range(3):
            assert revoke(a, app, service_token(a, app)).status_code == 200
        with sse_connect(a, token, stream, last_event_id=last_id) as response:
            ids = [int(event_id) for event_id, _, _ in SseReader(response).events(3)]
        assert ids == sorted(ids)
        assert ids[0] > int(last_id)


@pytest.mark.postgres
def test_with_redis_away_a_subscriber_still_gets_every_event(tmp_path):
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
        token = ssf_token(a, ssf_receiver(a))
        stream = create_stream(a, token, delivery=SSE)
        app = service_app(a)
        proxy.kill()
        deadline = time.monotonic() + 5
        while b.provider.bus.healthy and time.monotonic() < deadline:
            time.sleep(0.05)
        with sse_connect(b, token, stream) as response:
            reader = SseReader(response)
            revoke_later(a, app)
            revoke_later(a, app, delay=1.0)
            events = reader.events(2)
        assert len({event_id for event_id, _, _ in events}) == 2


def test_a_push_cut_off_by_a_crash_is_sent_again_after_the_restart(tmp_path):
    lease = 10
    env = {"IDP_OUTBOUND_ALLOW_PRIVATE": "true", "IDP_DELIVERY_LEASE": str(lease)}
    url = f"sqlite:///{tmp_path / 't.db'}"
    with logout_receiver() as receiver:
        receiver.behaviour = Behaviour(hang=lease * 3)  # the first attempt never answers
        with (
            served_idp(tmp_path, **env) as first,
            administered(url, tmp_path, first.base_url) as idp,
        ):
            token = ssf_token(idp, ssf_receiver(idp))
            delivery = {"method": "urn:ietf:rfc:8935", "endpoint_url": f"{receiver.origin}/set"}
            create_stream(idp, token, delivery=delivery)
            app = service_app(idp)
            assert revoke(idp, app, service_token(idp, app)).status_code == 200
            receiver.wait_for_posts(1)
            first.process.kill()
            first.process.wait(timeout=10)
        receiver.behaviour = Behaviour(status=202)
        with served_idp(tmp_path, **env):
            first_try, second_try = receiver.wait_for_posts(2, timeout=lease + 20)
    jtis = {
        jwt.decode(post["body"], options={"verify_signature": False})["jti"]
        for post in (first_try, second_try)
    }
    assert len(jtis) == 1  # the same SET: a receiver drops the duplicate by jti
