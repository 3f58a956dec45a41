"""One reader of the event log per node, fanning new events out to the node's SSE
subscribers that have caught up with it.

A subscriber first catches up by reading the database itself, from its own position
(idp.ssf.delivery); once a read comes back short it knows every event up to the
newest id it saw (ids are in commit order, idp.store.security_events) and joins the
feed. The feed then reads each new event once, signs it once per subscribed stream,
and appends it to each subscriber's buffer without waiting for anyone, so a slow
subscriber never slows the others: one whose buffer overflows is cut off, and resumes
with Last-Event-ID when it reconnects. A subscriber goes back to reading for itself
when its stream's configuration changes (events a pause held become deliverable),
and ends when the stream goes.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, field
from enum import Enum

from starlette.concurrency import run_in_threadpool

from idp.ssf.model import Stream
from idp.ssf.notifier import EventNotifier
from idp.ssf.sets import SecurityEventTokens
from idp.ssf.storage import StreamStore

FEED_BATCH = 500  # events read from the log at a time
BUFFERED = 1000  # SETs a subscriber may have waiting before it is cut off
log = logging.getLogger("idp.ssf")
Signed = tuple[int, str]  # event id, SET


class Departure(Enum):
    """Why a subscriber left the feed."""

    RESYNC = "read from the database again"  # its stream changed, or the feed stopped
    GONE = "the stream was deleted or no longer delivers by SSE"
    OVERFLOW = "its buffer overflowed"


@dataclass(eq=False)
class Subscriber:
    stream: Stream  # the configuration its events are chosen by
    checked_through: int  # it has every event of its stream up to this id
    pending: deque[Signed] = field(default_factory=deque)
    woken: asyncio.Event = field(default_factory=asyncio.Event)
    departure: Departure | None = None

    def leave(self, departure: Departure) -> None:
        self.departure = departure
        self.woken.set()

    def offer(self, batch: FeedBatch) -> None:
        if self.stream.stream_id not in batch.streams:  # joined while the batch was read
            self.leave(Departure.RESYNC)
            return
        stream = batch.streams[self.stream.stream_id]
        if stream is None:
            self.leave(Departure.GONE)
        elif stream != self.stream:
            self.leave(Departure.RESYNC)
        else:
            fresh = [
                signed
                for signed in batch.signed[stream.stream_id]
                if signed[0] > self.checked_through
            ]
            self.checked_through = max(self.checked_through, batch.through)
            if len(self.pending) + len(fresh) > BUFFERED:
                self.leave(Departure.OVERFLOW)
            elif fresh:
                self.pending.extend(fresh)
                self.woken.set()


@dataclass(frozen=True)
class FeedBatch:
    through: int  # every event up to this id has been read
    full: bool  # there may be more to read at once
    streams: dict[str, Stream | None]  # the subscribed streams, as of this read
    signed: dict[str, list[Signed]]  # what each live stream delivers of the events read


class EventFeed:
    def __init__(
        self,
        reading: Callable[[], AbstractContextManager[StreamStore]],
        tokens: SecurityEventTokens,
        notifier: EventNotifier,
        idle_timeout: float,
    ) -> None:
        self._reading = reading
        self._tokens = tokens
        self._notifier = notifier
        self._idle_timeout = idle_timeout
        self._subscribers: set[Subscriber] = set()
        self._head = 0  # the feed has read every event up to this id
        self._task: asyncio.Task[None] | None = None

    def join(self, stream: Stream, checked_through: int) -> Subscriber | None:
        """A subscriber that has every event of ``stream`` up to ``checked_through``;
        None when the feed is past that already: read again first."""
        running = self._task is not None and not self._task.done()
        if running and self._head > checked_through:
            return None
        subscriber = Subscriber(stream, checked_through)
        self._subscribers.add(subscriber)
        if not running:
            self._head = checked_through
            self._task = asyncio.create_task(self._run())
        return subscriber

    def leave(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    async def follow(
        self, subscriber: Subscriber, still_authorized: Callable[[], bool]
    ) -> AsyncIterator[Signed]:
        """The subscriber's SETs as the feed offers them, until it departs (what was
        offered before a resync is given first) or its access token ends."""
        while subscriber.departure is not Departure.OVERFLOW:
            if subscriber.pending:
                yield subscriber.pending.popleft()
                continue
            if subscriber.departure is not None:
                return
            subscriber.woken.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(subscriber.woken.wait(), self._idle_timeout)
            if not still_authorized():
                return

    async def _run(self) -> None:
        try:
            while self._subscribers:
                generation = self._notifier.generation
                streams = {subscriber.stream.stream_id for subscriber in self._subscribers}
                batch = await run_in_threadpool(self._read, self._head, streams)
                self._head = batch.through
                for subscriber in list(self._subscribers):
                    subscriber.offer(batch)
                    if subscriber.departure is not None:
                        self._subscribers.discard(subscriber)
                if not batch.full:
                    await self._notifier.wait_after(generation, self._idle_timeout)
        except Exception:
            log.exception("the event feed stopped; its subscribers read for themselves")
            self._release(Departure.RESYNC)

    def _release(self, departure: Departure) -> None:
        for subscriber in self._subscribers:
            subscriber.leave(departure)
        self._subscribers.clear()

    def _read(self, head: int, stream_ids: Iterable[str]) -> FeedBatch:
        """Off the event loop: the next events and the subscribed streams, each live
        stream's SETs signed once."""
        with self._reading() as store:
            # The newest id first: every event up to it has committed (commit order),
            # so the read that follows sees them all.
            newest = store.last_security_event_id()
            events = store.security_events(head, newest, FEED_BATCH)
            streams = {stream_id: store.load_stream(stream_id) for stream_id in stream_ids}
        full = len(events) == FEED_BATCH
        through = events[-1].id if full else max(head, newest)
        signed = {
            stream_id: [
                (event.id, self._tokens.issue(event, stream))
                for event in events
                if stream.delivers(event)
            ]
            for stream_id, stream in streams.items()
            if stream is not None
        }
        return FeedBatch(through, full, streams, signed)
