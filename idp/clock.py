"""The one source of time, so tests can move it."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> int:
        """Seconds since the epoch."""
        ...


class SystemClock:
    def now(self) -> int:
        return int(time.time())
