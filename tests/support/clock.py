from __future__ import annotations

import time


class MovableClock:
    """Real time plus an offset that tests can advance."""

    def __init__(self) -> None:
        self.offset = 0

    def now(self) -> int:
        return int(time.time()) + self.offset

    def advance(self, seconds: int) -> None:
        self.offset += seconds
