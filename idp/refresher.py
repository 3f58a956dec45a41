"""The node's cache refresher: one thread that keeps the in-memory copies (revocations,
clients, signing keys) current, so that no request ever waits on the database to
refresh them and a hung database never stalls the event loop."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("idp.refresher")


@dataclass
class Job:
    name: str
    run: Callable[[], None]
    # s; a callable is asked at every tick, so a shorter interval (the event bus lost)
    # takes effect at once
    interval: float | Callable[[], float]
    ran_at: float = float("-inf")
    failing: bool = False

    @property
    def current_interval(self) -> float:
        return self.interval() if callable(self.interval) else self.interval

    def run_if_due(self, now: float) -> None:
        if now < self.ran_at + self.current_interval:
            return
        self.ran_at = now
        try:
            self.run()
        except Exception as error:
            if not self.failing:  # say so once, not every interval
                log.warning("cannot refresh %s; serving the copy in memory: %s", self.name, error)
            self.failing = True
            return
        if self.failing:
            log.warning("refreshing %s again", self.name)
        self.failing = False


@dataclass
class CacheRefresher:
    jobs: list[Job]
    tick: float
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def run_once(self) -> None:
        """Every job now, in this thread; errors propagate (used at start-up)."""
        for job in self.jobs:
            job.run()
            job.ran_at = time.monotonic()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="idp-cache-refresher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.tick):
            for job in self.jobs:
                job.run_if_due(time.monotonic())
