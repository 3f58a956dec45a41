"""With IDP_REDIS_URL every node counts every failure (a real Redis); with Redis
unreachable the nodes count alone and answer as before: never a 500, never everyone
locked out."""

from __future__ import annotations

from pathlib import Path

from tests.spec.owasp_brute_force.attempts import attempt
from tests.spec.owasp_brute_force.conftest import THROTTLE
from tests.support.cluster import running_cluster
from tests.support.databases import database_url
from tests.support.flows import (
    PASSWORD,
    LoopbackBrowser,
    create_user,
    fresh_loopback_address,
    register,
)
from tests.support.redis_server import require_redis
from tests.support.server import free_port, running_idp


def test_failures_on_one_node_count_on_the_other(tmp_path: Path):
    redis_url = require_redis()
    with (
        database_url("sqlite", tmp_path) as url,
        running_cluster(url, tmp_path, redis_url=redis_url, **THROTTLE) as (first, second),
    ):
        client, user = register(first, public=True)[0], create_user(first)
        address = fresh_loopback_address()
        with LoopbackBrowser(first, address=address) as one:
            assert attempt(one, client, user.username).status_code == 401
        with LoopbackBrowser(second, address=address) as other:
            assert attempt(other, client, user.username).status_code == 401
            assert attempt(other, client, user.username, PASSWORD).status_code == 429


def test_redis_down_counts_on_the_node_and_never_fails_the_sign_in(tmp_path: Path):
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with (
        database_url("sqlite", tmp_path) as url,
        running_idp(url, tmp_path, redis_url=nowhere, **THROTTLE) as idp,
    ):
        client, user = register(idp, public=True)[0], create_user(idp)
        with LoopbackBrowser(idp) as browser:
            assert attempt(browser, client, user.username, PASSWORD).status_code == 303
            for _ in range(idp.settings.throttle_free_attempts):
                assert attempt(browser, client, user.username).status_code == 401
            assert attempt(browser, client, user.username).status_code == 429
