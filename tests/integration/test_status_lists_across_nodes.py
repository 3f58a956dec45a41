"""Status lists across nodes and crashes: two nodes on PostgreSQL + Redis publish one
truth whichever node issued or revoked a token; a node killed (-9) before recording
what it issued takes those tokens back once its lease runs out, and a node that stops
cleanly takes nothing back."""

from __future__ import annotations

import pytest

from idp.revocation.events import OPERATOR
from idp.revocation.status_indexes import BLOCK_SIZE
from idp.revocation.status_list import Status
from idp.revocation.suspensions import SuspendedKind
from idp.store.models import StatusBlockRow
from tests.cli.processes import served_idp
from tests.support.cluster import running_cluster
from tests.support.databases import postgres_database
from tests.support.polling import eventually
from tests.support.redis_server import require_redis
from tests.support.relying_party import is_active, revoke, service_app, service_token
from tests.support.served_flows import administered
from tests.support.status_lists import status_of, status_reference

SHOWS_WITHIN = 5.0
LEASE = 10  # s, IDP_STATUS_LEASE at its minimum


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    url = require_redis()
    directory = tmp_path_factory.mktemp("status")
    with (
        postgres_database() as database,
        running_cluster(database, directory, redis_url=url, cache_poll_interval=30) as cluster,
    ):
        yield cluster


@pytest.mark.postgres
def test_a_token_issued_on_one_node_and_revoked_on_the_other_is_invalid_on_both(nodes):
    a, b = nodes
    app = service_app(a)
    token = service_token(b, app)
    assert status_of(a, token) is Status.VALID
    assert revoke(a, app, token).status_code == 200
    for node in (a, b):
        assert eventually(lambda node=node: status_of(node, token) is Status.INVALID, SHOWS_WITHIN)


@pytest.mark.postgres
def test_a_suspension_on_one_node_is_honoured_by_the_other_at_once(nodes):
    a, b = nodes
    app = service_app(a)
    token = service_token(b, app)
    with a.provider.store() as store:
        a.provider.revoker(store, OPERATOR).suspend(SuspendedKind.CLIENT, app.client_id, reason="t")
    # The bus, not the 30 s poll, tells node b.
    assert eventually(lambda: not is_active(b, app, token), 2.0)
    assert eventually(lambda: status_of(b, token) is Status.SUSPENDED, SHOWS_WITHIN)
    with a.provider.store() as store:
        a.provider.revoker(store, OPERATOR).lift_suspension(SuspendedKind.CLIENT, app.client_id)
    assert eventually(lambda: is_active(b, app, token), 2.0)
    assert eventually(lambda: status_of(b, token) is Status.VALID, SHOWS_WITHIN)


ENV = {"IDP_STATUS_LEASE": str(LEASE), "IDP_STATUS_FLUSH_INTERVAL": "10"}


def test_tokens_of_a_node_killed_before_recording_them_are_taken_back(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    with served_idp(tmp_path, **ENV) as first, administered(url, tmp_path, first.base_url) as idp:
        app = service_app(idp)
        token = service_token(idp, app)  # not recorded yet: flushes are 10 s apart
        first.process.kill()
        first.process.wait(timeout=10)
    with served_idp(tmp_path, **ENV) as second, administered(url, tmp_path, second.base_url) as idp:
        # The list is served by the new process under the old issuer's URL path.
        assert eventually(lambda: status_of(idp, token) is Status.INVALID, LEASE + 15)


def test_tokens_of_a_node_that_stopped_cleanly_stay_valid(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    with served_idp(tmp_path, **ENV) as first, administered(url, tmp_path, first.base_url) as idp:
        app = service_app(idp)
        token = service_token(idp, app)
    # terminated: it recorded the token and closed its blocks on the way out
    with served_idp(tmp_path, **ENV) as second, administered(url, tmp_path, second.base_url) as idp:
        _, idx = status_reference(token)
        with idp.provider.database.reading() as session:
            block = session.get(StatusBlockRow, (1, idx // BLOCK_SIZE))
        assert block is not None
        assert block.closed  # so it can never lapse
        assert status_of(idp, token) is Status.VALID
