"""Real concurrency for race tests: calls made from threads that a barrier releases
together, so that they reach the server at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

BARRIER_TIMEOUT = 30


def all_at_once(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run every call in its own thread, all released by one barrier; the results in the
    order of ``calls`` (an exception in a call is raised here)."""
    barrier = threading.Barrier(len(calls), timeout=BARRIER_TIMEOUT)

    def released(call: Callable[[], T]) -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(released, call) for call in calls]
        return [future.result() for future in futures]
