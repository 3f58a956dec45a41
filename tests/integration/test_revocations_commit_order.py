"""Every node follows the revocation records in commit order (idp.store.revocations).

Two nodes, as behind a load balancer, share one database. A node learns about the
revocations made elsewhere by reading the records added since its last read, every
IDP_CACHE_POLL_INTERVAL seconds. On PostgreSQL a record's id is handed out when it is
inserted, not when it commits: a transaction that began first can commit after a
later-numbered record is already visible. A reader that only asks for ids above the
last one it saw has moved past the late record by the time it commits, and the token
it revokes stays active on that node until it expires. These tests open that race for
real: a transaction of our own revokes X on node A and stays open while a request to
node A revokes Y and commits."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from sqlalchemy import select

from idp.revocation.events import Reason
from idp.store.models import RevocationRow
from idp.store.repository import SqlStore
from tests.support.cluster import running_cluster
from tests.support.databases import postgres_database
from tests.support.flows import create_user
from tests.support.polling import eventually
from tests.support.relying_party import App, is_active, is_refused_at_userinfo, revoke, web_app
from tests.support.server import RunningIdp
from tests.support.sign_in import sign_in

POLL = 0.2
WITHIN = 5.0  # 25 poll intervals: generous on a loaded machine


@dataclass(frozen=True)
class Cluster:
    """Two nodes with one issuer; every request names the node it goes to."""

    a: RunningIdp
    b: RunningIdp

    def __post_init__(self) -> None:
        assert self.a.base_url != self.b.base_url


@pytest.fixture(scope="module")
def on_postgresql(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    directory = tmp_path_factory.mktemp("cluster")
    with (
        postgres_database() as url,
        running_cluster(url, directory, cache_poll_interval=POLL) as (a, b),
    ):
        yield Cluster(a, b)


@pytest.fixture(scope="module")
def on_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    directory = tmp_path_factory.mktemp("cluster")
    url = f"sqlite:///{directory / 'tessera.db'}"
    with running_cluster(url, directory, cache_poll_interval=POLL) as (a, b):
        yield Cluster(a, b)


def access_token_of_a_new_user(node: RunningIdp, app: App) -> str:
    token: str = sign_in(node, app, create_user(node))["access_token"]
    return token


def revoke_in(store: SqlStore, node: RunningIdp, app: App, token: str) -> None:
    """What POST /revoke does for an access token, in a transaction the test holds."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    node.provider.revoker(store).revoke_access_token(
        claims["jti"],
        claims["exp"],
        reason=Reason.TOKEN_REVOCATION,
        subject=claims["sub"],
        client_id=app.client_id,
    )


def record_ids(store: SqlStore, *tokens: str) -> list[int]:
    """The ids of the revocation records of ``tokens``' jti, in the order given."""
    jtis = [jwt.decode(token, options={"verify_signature": False})["jti"] for token in tokens]
    rows = store.session.execute(
        select(RevocationRow.value, RevocationRow.id).where(RevocationRow.value.in_(jtis))
    )
    ids = {value: row_id for value, row_id in rows}
    return [ids[jti] for jti in jtis]


def test_a_revocation_committed_after_a_later_numbered_one_is_seen_by_the_other_node__rfc7009_s2(
    on_postgresql,
):
    a, b = on_postgresql.a, on_postgresql.b
    app = web_app(a)
    x, y = access_token_of_a_new_user(a, app), access_token_of_a_new_user(a, app)
    assert is_active(b, app, x)
    assert is_active(b, app, y)

    with a.provider.store() as first:  # T1: revokes X, stays open
        revoke_in(first, a, app, x)
        # T2, a request: a later revocation, committed while T1 is still open.
        assert revoke(a, app, y).status_code == 200
        # The race is real: X's record was numbered first and is not committed yet.
        x_id, y_id = record_ids(first, x, y)
        assert x_id < y_id
        assert eventually(lambda: not is_active(b, app, y), within=WITHIN)
        assert is_active(b, app, x)
    # T1 commits only now, after node B has read past Y's record.

    assert eventually(lambda: not is_active(b, app, x), within=WITHIN)
    assert is_refused_at_userinfo(b, x)
    assert not is_active(b, app, y)


def test_several_late_commits_are_all_honoured_by_the_other_node__rfc7009_s2(on_postgresql):
    """Transactions open over one another and committing in the reverse of the order
    they were numbered in: the reader is not merely lucky with one late record."""
    a, b = on_postgresql.a, on_postgresql.b
    app = web_app(a)
    late = [access_token_of_a_new_user(a, app) for _ in range(3)]
    early = access_token_of_a_new_user(a, app)
    with a.provider.store() as first:
        revoke_in(first, a, app, late[0])
        with a.provider.store() as second:
            revoke_in(second, a, app, late[1])
            with a.provider.store() as third:
                revoke_in(third, a, app, late[2])
                assert revoke(a, app, early).status_code == 200
                assert eventually(lambda: not is_active(b, app, early), within=WITHIN)
            # third commits, then second, then first: each after a higher-numbered one
            assert eventually(lambda: not is_active(b, app, late[2]), within=WITHIN)
            assert is_active(b, app, late[1])
            assert is_active(b, app, late[0])
        assert eventually(lambda: not is_active(b, app, late[1]), within=WITHIN)
        assert is_active(b, app, late[0])
    assert eventually(lambda: not is_active(b, app, late[0]), within=WITHIN)
    for token in [*late, early]:
        assert is_refused_at_userinfo(b, token)


def test_on_sqlite_a_revocation_waits_for_the_open_writer_so_ids_follow_commit_order(on_sqlite):
    """SQLite has one writer at a time: a revocation made while another transaction
    holds the write lock waits for it, and so is numbered after it. The other node reads
    by id and honours both."""
    a, b = on_sqlite.a, on_sqlite.b
    app = web_app(a)
    x, y = access_token_of_a_new_user(a, app), access_token_of_a_new_user(a, app)
    assert is_active(b, app, x)
    assert is_active(b, app, y)

    with ThreadPoolExecutor(max_workers=1) as pool:
        with a.provider.store() as first:  # holds the write lock (BEGIN IMMEDIATE)
            revoke_in(first, a, app, x)
            later = pool.submit(revoke, a, app, y)
            with pytest.raises(TimeoutError):
                later.result(timeout=0.5)  # queued behind the open writer
        assert later.result().status_code == 200

    assert eventually(lambda: not is_active(b, app, x), within=WITHIN)
    assert eventually(lambda: not is_active(b, app, y), within=WITHIN)
    assert is_refused_at_userinfo(b, x)
    assert is_refused_at_userinfo(b, y)
    with a.provider.store() as store:
        x_id, y_id = record_ids(store, x, y)
    assert x_id < y_id
