"""idp.revocation.cache: every node's in-memory copy of the revocation records. It reads
what was committed after the last position it saw, knows its own node's revocations at
once, and refuses to answer (fail closed) while its copy is too old to trust."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import idp.revocation.cache as cache_module
from idp.errors import TemporarilyUnavailableError
from idp.revocation.cache import RevocationCache, StaleCacheError
from idp.revocation.records import RevocationKind, RevocationRecord

NOW = 1_700_000_000
MAX_STALENESS = 300.0


class FakeMonotonic:
    """time.monotonic as the cache module sees it, moved by hand."""

    def __init__(self) -> None:
        self.value = 5000.0

    def __call__(self) -> float:
        return self.value


class FakeLoader:
    """The database as the cache sees it: a list of committed records and the position
    after each; records the position it is asked to read after."""

    def __init__(self) -> None:
        self.committed: list[RevocationRecord] = []
        self.asked_after: list[int] = []
        self.failing = False

    def commit(self, *records: RevocationRecord) -> None:
        self.committed.extend(records)

    def __call__(self, after: int) -> tuple[list[RevocationRecord], int]:
        self.asked_after.append(after)
        if self.failing:
            raise ConnectionError("database unreachable")
        return self.committed[after:], len(self.committed)


@pytest.fixture
def monotonic(monkeypatch: pytest.MonkeyPatch) -> FakeMonotonic:
    clock = FakeMonotonic()
    monkeypatch.setattr(cache_module, "time", SimpleNamespace(monotonic=clock))
    return clock


@pytest.fixture
def loader() -> FakeLoader:
    return FakeLoader()


@pytest.fixture
def cache(loader: FakeLoader, monotonic: FakeMonotonic) -> RevocationCache:
    return RevocationCache(loader, max_staleness=MAX_STALENESS)


def jti(value: str, prune_after: int = NOW + 600, revoked_at: int = NOW) -> RevocationRecord:
    return RevocationRecord(RevocationKind.JTI, value, revoked_at, prune_after)


def token(jti: str = "jti-1", **claims: object) -> dict[str, object]:
    return {
        "jti": jti,
        "sid": "sid-1",
        "sub": "alice",
        "client_id": "client-1",
        "iat": NOW - 60,
    } | claims


# --- fail closed ---


def test_before_the_first_refresh_it_refuses_to_answer(cache):
    with pytest.raises(StaleCacheError):
        cache.covers(token(), NOW)


def test_after_a_refresh_it_answers(cache):
    cache.refresh(NOW)
    assert not cache.covers(token(), NOW)


def test_it_answers_up_to_max_staleness_after_the_last_refresh(cache, monotonic):
    cache.refresh(NOW)
    monotonic.value += MAX_STALENESS
    assert not cache.covers(token(), NOW)


def test_beyond_max_staleness_without_a_successful_refresh_it_refuses(cache, loader, monotonic):
    cache.refresh(NOW)
    loader.failing = True
    for _ in range(3):
        monotonic.value += MAX_STALENESS / 3
        with pytest.raises(ConnectionError):
            cache.refresh(NOW)
    monotonic.value += 0.001
    with pytest.raises(StaleCacheError):
        cache.covers(token(), NOW)


def test_a_successful_refresh_makes_it_answer_again(cache, loader, monotonic):
    cache.refresh(NOW)
    monotonic.value += MAX_STALENESS + 1
    with pytest.raises(StaleCacheError):
        cache.covers(token(), NOW)
    cache.refresh(NOW)
    assert not cache.covers(token(), NOW)


def test_stale_is_temporarily_unavailable__rfc6749_s4_1_2_1():
    # The node's copy is too old to trust: the request may succeed later, so it is a 503
    # temporarily_unavailable with Retry-After (TemporarilyUnavailableError says so in its
    # docstring, and IDP_CACHE_MAX_STALENESS documents a 503), not a 500 server_error.
    assert issubclass(StaleCacheError, TemporarilyUnavailableError)


# --- reading what was committed ---


def test_refresh_reads_after_the_position_it_last_saw(cache, loader):
    cache.refresh(NOW)
    loader.commit(jti("a"), jti("b"))
    cache.refresh(NOW)
    loader.commit(jti("c"))
    cache.refresh(NOW)
    cache.refresh(NOW)
    assert loader.asked_after == [0, 0, 2, 3]


def test_a_failed_refresh_does_not_move_the_position(cache, loader):
    loader.commit(jti("a"))
    cache.refresh(NOW)
    loader.failing = True
    with pytest.raises(ConnectionError):
        cache.refresh(NOW)
    loader.failing = False
    loader.commit(jti("b"))
    cache.refresh(NOW)
    assert loader.asked_after == [0, 1, 1]
    assert cache.covers(token("b"), NOW)


def test_records_read_are_covered(cache, loader):
    loader.commit(jti("a"), RevocationRecord(RevocationKind.SID, "sid-9", NOW, NOW + 600))
    cache.refresh(NOW)
    assert cache.covers(token("a"), NOW)
    assert cache.covers(token("other", sid="sid-9"), NOW)
    assert not cache.covers(token("other"), NOW)


@pytest.mark.parametrize("kind", list(RevocationKind))
def test_each_kind_is_looked_up_by_its_claim(cache, loader, kind):
    loader.commit(RevocationRecord(kind, "revoked", NOW, NOW + 600))
    cache.refresh(NOW)
    assert cache.covers(token(**{kind.value: "revoked"}), NOW)
    assert not cache.covers(token(), NOW)


def test_subject_records_cover_only_tokens_issued_up_to_their_time(cache, loader):
    loader.commit(RevocationRecord(RevocationKind.SUBJECT, "alice", NOW, NOW + 600))
    cache.refresh(NOW)
    assert cache.covers(token(iat=NOW), NOW)
    assert not cache.covers(token(iat=NOW + 1), NOW + 1)


def test_claims_that_are_not_strings_match_nothing(cache, loader):
    loader.commit(jti("1"))
    cache.refresh(NOW)
    assert not cache.covers(token(jti=1), NOW)
    assert not cache.covers({"jti": ["1"]}, NOW)


def test_refresh_merges_a_record_with_the_one_it_already_has(cache, loader):
    loader.commit(RevocationRecord(RevocationKind.SUBJECT, "alice", NOW, NOW + 600))
    cache.refresh(NOW)
    loader.commit(RevocationRecord(RevocationKind.SUBJECT, "alice", NOW + 100, NOW + 300))
    cache.refresh(NOW + 100)
    assert cache.covers(token(iat=NOW + 50), NOW + 100)  # the later revocation's time
    assert cache.covers(token(iat=NOW - 1), NOW + 500)  # the later pruning time


def test_refresh_drops_the_records_that_may_be_pruned(cache, loader):
    loader.commit(jti("short", prune_after=NOW + 10), jti("long", prune_after=NOW + 1000))
    cache.refresh(NOW)
    cache.refresh(NOW + 10)
    # Even asked about an earlier time, the pruned record is gone from memory.
    assert not cache.covers(token("short"), NOW)
    assert cache.covers(token("long"), NOW + 10)


# --- this node's own revocations ---


def test_remember_is_honoured_at_once(cache):
    cache.refresh(NOW)
    cache.remember(jti("mine"))
    assert cache.covers(token("mine"), NOW)


def test_remember_merges_with_what_is_known(cache, loader):
    loader.commit(RevocationRecord(RevocationKind.CLIENT, "client-1", NOW, NOW + 600))
    cache.refresh(NOW)
    cache.remember(RevocationRecord(RevocationKind.CLIENT, "client-1", NOW + 30, NOW + 60))
    assert cache.covers(token(iat=NOW + 30), NOW + 30)
    assert cache.covers(token(iat=NOW), NOW + 599)


def test_a_remembered_record_survives_the_next_refresh(cache, loader):
    cache.refresh(NOW)
    cache.remember(jti("mine"))
    cache.refresh(NOW + 1)  # the database has not caught up yet
    assert cache.covers(token("mine"), NOW + 1)


def test_remember_does_not_make_a_stale_cache_answer(cache):
    cache.remember(jti("mine"))
    with pytest.raises(StaleCacheError):
        cache.covers(token("mine"), NOW)
