"""Wakes what waits on this node for new security events (the SSE event feed, long
polls): when this node commits events, when the event bus says another node did, and at
every cache refresh (the safety net when the bus is away). Waiters read the events from
the database themselves, from their own position, so a wake-up that is lost or comes
twice changes nothing but latency."""

from __future__ import annotations

import asyncio
from contextlib import suppress


class EventNotifier:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed: asyncio.Event | None = None
        self.generation = 0  # counts wake-ups; read it before reading the events

    def notify(self) -> None:
        """From any thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        self.generation += 1
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    async def wait_after(self, generation: int, timeout: float) -> None:
        """Return once there has been a wake-up since ``generation``, or after
        ``timeout`` seconds."""
        self._loop = asyncio.get_running_loop()
        if self.generation != generation:
            return
        if self._changed is None:
            self._changed = asyncio.Event()
        with suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)
