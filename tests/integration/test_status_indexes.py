"""Status-list indexes from leased blocks (idp.revocation.status_indexes) on a real
database: every index handed out once, a list filled before the next begins, what was
handed out recorded, and a block whose lease ran out published as INVALID."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from idp.revocation.status_indexes import BLOCK_SIZE, NoStatusIndexError, StatusIndexes
from idp.store.database import Database
from idp.store.migrate import upgrade
from idp.store.repository import SqlStore
from tests.support.databases import database_url

LIST_SIZE = 4 * BLOCK_SIZE
LEASE = 60


class Clock:
    """Wall clock and monotonic clock, moved together."""

    def __init__(self) -> None:
        self.time = 1_800_000_000

    def now(self) -> int:
        return self.time

    def monotonic(self) -> float:
        return float(self.time)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> Iterator[Database]:
    with database_url(request.param, tmp_path) as url:
        upgrade(url)
        database = Database(url, 5.0)
        yield database
        database.dispose()


def indexes_on(database: Database, clock: Clock) -> StatusIndexes:
    @contextmanager
    def transaction() -> Iterator[SqlStore]:
        with database.transaction() as session:
            yield SqlStore(session)

    return StatusIndexes(
        transaction, list_size=LIST_SIZE, lease=LEASE, now=clock.now, monotonic=clock.monotonic
    )


def take(indexes: StatusIndexes, n: int, clock: Clock) -> list[tuple[int, int]]:
    taken = []
    while len(taken) < n:
        try:
            taken.append(
                indexes.allocate(
                    jti=f"jti-{len(taken)}",
                    sid=None,
                    subject="svc",
                    client_id="svc",
                    issued_at=clock.now(),
                    expires_at=clock.now() + 600,
                )
            )
        except NoStatusIndexError:
            indexes.flush()
    return taken


def stored(database: Database, list_id: int, now: int):
    with database.reading() as session:
        status_list = SqlStore(session).read_status_list(list_id, now)
        assert status_list is not None
        return status_list.size, status_list.lapsed, list(status_list.entries)


def test_no_index_before_the_first_lease(database):
    with pytest.raises(NoStatusIndexError):
        indexes_on(database, Clock()).allocate(
            jti="j", sid=None, subject="s", client_id="c", issued_at=0, expires_at=1
        )


def test_a_list_is_used_up_exactly_once_before_the_next_begins(database):
    clock = Clock()
    indexes = indexes_on(database, clock)
    taken = take(indexes, LIST_SIZE + BLOCK_SIZE // 2, clock)
    indexes.flush()
    assert len(set(taken)) == len(taken)
    first_list = [idx for list_id, idx in taken[:LIST_SIZE]]
    assert {list_id for list_id, _ in taken[:LIST_SIZE]} == {taken[0][0]}
    assert sorted(first_list) == list(range(LIST_SIZE))
    assert first_list != sorted(first_list)  # handed out at random
    assert {list_id for list_id, _ in taken[LIST_SIZE:]} == {taken[0][0] + 1}
    size, lapsed, entries = stored(database, taken[0][0], clock.now())
    assert size == LIST_SIZE
    assert lapsed == []
    assert sorted(idx for idx, *_ in entries) == list(range(LIST_SIZE))


def test_two_nodes_never_share_an_index(database):
    clock = Clock()
    one, other = indexes_on(database, clock), indexes_on(database, clock)
    taken = []
    for _ in range(3):
        taken += take(one, BLOCK_SIZE, clock) + take(other, BLOCK_SIZE, clock)
    assert len(set(taken)) == len(taken)


def test_a_flush_records_what_was_handed_out(database):
    clock = Clock()
    indexes = indexes_on(database, clock)
    [(list_id, idx)] = take(indexes, 1, clock)
    assert stored(database, list_id, clock.now())[2] == []
    indexes.flush()
    [(recorded, jti, _sid, subject, _client, _iat)] = stored(database, list_id, clock.now())[2]
    assert (recorded, jti, subject) == (idx, "jti-0", "svc")


def test_a_lease_that_ran_out_is_lapsed_and_replaced(database):
    clock = Clock()
    indexes = indexes_on(database, clock)
    [(list_id, idx)] = take(indexes, 1, clock)
    clock.time += LEASE + 1  # the node was away longer than its lease
    [block_range] = [r for r in stored(database, list_id, clock.now())[1] if idx in r] or [None]
    assert block_range is not None
    assert len(block_range) == BLOCK_SIZE
    with pytest.raises(NoStatusIndexError):  # not renewed for half its lease: not used
        indexes.allocate(jti="j", sid=None, subject="s", client_id="c", issued_at=0, expires_at=1)
    indexes.flush()  # finds the lease gone, takes new blocks
    [(_, later)] = take(indexes, 1, clock)
    assert later not in block_range


def test_closing_leaves_nothing_lapsed(database):
    clock = Clock()
    indexes = indexes_on(database, clock)
    [(list_id, idx)] = take(indexes, 1, clock)
    indexes.close()
    clock.time += LEASE + 1
    _size, lapsed, entries = stored(database, list_id, clock.now())
    assert lapsed == []
    assert [recorded for recorded, *_ in entries] == [idx]


def test_nothing_is_recorded_in_a_block_after_its_lease_ran_out(database):
    clock = Clock()
    indexes = indexes_on(database, clock)
    [(list_id, recorded)] = take(indexes, 1, clock)
    indexes.flush()
    [(_, late)] = take(indexes, 1, clock)
    clock.time += LEASE + 1  # away longer than the lease, then back
    indexes.flush()
    _size, lapsed, entries = stored(database, list_id, clock.now())
    assert [idx for idx, *_ in entries] == [recorded]  # the late one stays unrecorded
    assert any(late in block for block in lapsed)
