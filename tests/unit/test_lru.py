"""idp.lru: a bounded, thread-safe least-recently-used map."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest

from idp.lru import Lru


def filled(*keys: str, max_entries: int = 3) -> Lru[str, int]:
    lru: Lru[str, int] = Lru(max_entries)
    for number, key in enumerate(keys):
        lru.put(key, number)
    return lru


def test_get_returns_what_was_put_and_none_for_the_rest():
    lru = filled("a", "b")
    assert lru.get("a") == 0
    assert lru.get("b") == 1
    assert lru.get("absent") is None
    assert "a" in lru
    assert "absent" not in lru


def test_it_never_holds_more_than_max_entries():
    lru = filled(*"abcdefghij", max_entries=3)
    assert len(lru) == 3


def test_the_least_recently_put_goes_first():
    lru = filled("a", "b", "c", "d")
    assert "a" not in lru
    assert [lru.get(key) for key in "bcd"] == [1, 2, 3]


def test_get_refreshes_recency():
    lru = filled("a", "b", "c")
    assert lru.get("a") == 0  # now the most recently used
    lru.put("d", 3)
    assert "b" not in lru
    assert "a" in lru
    assert "c" in lru


def test_a_missed_get_changes_nothing():
    lru = filled("a", "b", "c")
    assert lru.get("zz") is None
    lru.put("d", 3)
    assert "a" not in lru  # still the oldest


def test_membership_does_not_refresh_recency():
    lru = filled("a", "b", "c")
    assert "a" in lru
    lru.put("d", 3)
    assert "a" not in lru


def test_put_again_replaces_the_value_and_refreshes_recency():
    lru = filled("a", "b", "c")
    lru.put("a", 10)
    lru.put("d", 3)
    assert lru.get("a") == 10
    assert "b" not in lru
    assert len(lru) == 3


def test_clear_empties_it():
    lru = filled("a", "b", "c")
    lru.clear()
    assert len(lru) == 0
    assert lru.get("a") is None
    lru.put("a", 1)
    assert lru.get("a") == 1


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    """Switch threads as often as the interpreter can, so that unlocked sections would
    interleave (by default a thread runs 5 ms, long enough to finish alone)."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


@pytest.mark.usefixtures("frequent_thread_switches")
def test_concurrent_use_keeps_the_bound_and_the_values():
    lru: Lru[int, int] = Lru(64)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work(offset: int) -> None:
        try:
            start.wait(timeout=10)
            for step in range(4000):
                key = (offset * 7 + step) % 200
                lru.put(key, key * 2)
                value = lru.get((key + 3) % 200)
                assert value is None or value == ((key + 3) % 200) * 2
                if step % 20 == 19:
                    lru.clear()
                assert len(lru) <= 64
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert len(lru) <= 64
    for key in range(200):
        value = lru.get(key)
        assert value is None or value == key * 2
