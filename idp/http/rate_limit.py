"""Counting failures per caller in a sliding window (OWASP: limit guessing).

Counters live in the process: each node limits on its own, which bounds guessing by the
number of nodes. The Redis-backed shared counter arrives with the scale-out work."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class FailureLimiter:
    def __init__(self, max_failures: int, window: float) -> None:
        self.max_failures = max_failures
        self.window = window
        self._lock = threading.Lock()
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)

    def blocked(self, caller: str) -> bool:
        with self._lock:
            return len(self._recent(caller)) >= self.max_failures

    def record_failure(self, caller: str) -> None:
        with self._lock:
            self._recent(caller).append(time.monotonic())

    def _recent(self, caller: str) -> deque[float]:
        failures = self._failures[caller]
        while failures and time.monotonic() - failures[0] > self.window:
            failures.popleft()
        return failures
