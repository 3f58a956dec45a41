"""Exponential backoff with jitter, between attempts to reach the provider."""

from __future__ import annotations

import random

FIRST = 1.0  # s
CAP = 60.0  # s

_random = random.SystemRandom()


class Backoff:
    def __init__(self, first: float = FIRST, cap: float = CAP) -> None:
        self._first = first
        self._cap = cap
        self._attempts = 0

    def next_delay(self) -> float:
        """The delay before the next attempt: doubling up to the cap, each a random
        point of its upper half, so that clients cut off together do not come back in
        step."""
        delay = min(self._cap, self._first * 2.0 ** min(self._attempts, 32))
        self._attempts += 1
        return delay * _random.uniform(0.5, 1.0)

    def reset(self) -> None:
        self._attempts = 0
