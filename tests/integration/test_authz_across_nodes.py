"""A role change made on one node reaches the tokens another node issues through the
event bus (message ``authz``), without waiting for either node's poll (30 s here), on
PostgreSQL with Redis (idp.authz.cache)."""

from __future__ import annotations

import time

import pytest

from idp.authz.claims import ClaimMapping, make_rule
from idp.authz.management import Authz
from idp.revocation.events import OPERATOR
from tests.support.assertions import claims_of
from tests.support.cluster import running_cluster
from tests.support.databases import postgres_database
from tests.support.flows import create_user
from tests.support.redis_server import require_redis
from tests.support.relying_party import App, refreshed, web_app
from tests.support.sign_in import sign_in

pytestmark = pytest.mark.postgres

SLOW_POLL = 30
SCOPE = "openid offline_access roles"


def test_a_role_given_on_one_node_is_in_the_next_token_of_the_other(tmp_path):
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
        deadline = time.monotonic() + 5
        while not (a.provider.bus.healthy and b.provider.bus.healthy):  # both subscribed
            assert time.monotonic() < deadline, "the nodes did not join the bus"
            time.sleep(0.01)
        registered = web_app(a, scope=SCOPE)
        with a.provider.store() as store:
            store.set_claim_mapping(registered.client_id, ClaimMapping((make_rule("roles"),)))
            client = store.load_client(registered.client_id)
        assert client is not None
        app = App(client, registered.secret)
        user = create_user(a)
        time.sleep(0.5)  # the client change, heard on the bus by b
        tokens = sign_in(a, app, user, scope=SCOPE)
        before = refreshed(b, app, tokens["refresh_token"])  # b now holds the user
        assert "roles" not in claims_of(before["access_token"])
        assert b.provider.access.holds(user.id)  # (checked before the change: the bus is fast)
        with a.provider.store() as store:
            admin = Authz(store, a.provider.clock.now(), OPERATOR)
            admin.create_role("approver")
            admin.assign_role(user.id, "approver")
        deadline = time.monotonic() + 2
        while b.provider.access.holds(user.id):  # until the bus has b drop its copy
            assert time.monotonic() < deadline, "node b did not hear of the change in 2 s"
            time.sleep(0.01)
        after = refreshed(b, app, before["refresh_token"])
        assert claims_of(after["access_token"])["roles"] == ["approver"]
