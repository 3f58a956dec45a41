"""Reading a stream's events for its receiver: Server-Sent Events resumable from
Last-Event-ID, and RFC 8936 poll with acknowledgement."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from idp.errors import InvalidRequestError, TooManyRequestsError
from idp.ssf.feed import BUFFERED, Departure, EventFeed
from idp.ssf.model import Stream, parse_event_id
from idp.ssf.notifier import EventNotifier
from idp.ssf.sets import SecurityEventTokens
from idp.ssf.storage import StreamStore

BATCH = 100  # events read, and sent, at a time
MAX_POLL_EVENTS = 1000
MAX_ACKS = 1000
MAX_SUBSCRIBERS = 5  # SSE connections per stream on one node
CONCURRENT_READS = 4  # subscribers reading the database at once, on one node
Authorized = Callable[[], bool]


@dataclass(frozen=True)
class Page:
    """What a subscriber read for itself."""

    stream: Stream  # as of the read
    signed: list[tuple[int, str]]
    more: bool  # there may be more to read at once
    through: int  # the subscriber has every event of its stream up to this id


class SubscriberTooSlowError(Exception):
    """A subscriber's buffer overflowed: its connection is dropped (idp.ssf.feed)."""


class StreamGoneError(Exception):
    """The stream was deleted, or its delivery method changed, under a subscriber."""


@dataclass(frozen=True)
class EventReader:
    reading: Callable[[], AbstractContextManager[StreamStore]]
    transaction: Callable[[], AbstractContextManager[StreamStore]]
    tokens: SecurityEventTokens
    notifier: EventNotifier
    feed: EventFeed
    _subscribers: Counter[str] = field(default_factory=Counter, init=False)
    # At most this many subscribers read at once; the others wait, and then read what
    # accumulated meanwhile in one go.
    _readers: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(CONCURRENT_READS), init=False
    )

    def resume_position(self, stream: Stream, last_event_id: str | None) -> int:
        """Where an SSE subscriber starts: after ``Last-Event-ID``, which must be the
        stream's start or the id of an event of the stream; with none, from the stream's
        start (like a poll, nothing the stream holds is skipped)."""
        if last_event_id is None:
            return stream.start_after
        position = parse_event_id(last_event_id)
        if position is None:
            raise InvalidRequestError("Last-Event-ID must be an event id")
        with self.reading() as store:
            newest = store.last_security_event_id()
            if position > newest:
                raise InvalidRequestError("Last-Event-ID names no event yet (from the future)")
            if position == stream.start_after:
                return position
            event = store.security_event(position)
        if event is None or not stream.wants(event):
            raise InvalidRequestError("Last-Event-ID names no event of this stream")
        return position

    async def subscription(
        self, stream_id: str, position: int, still_authorized: Authorized
    ) -> AsyncIterator[tuple[int, str]]:
        """(event id, SET) after ``position``, in order, nothing twice, for as long as
        the subscriber stays, keeps up (idp.ssf.feed) and its access token is live
        (checked at every wake-up). At most MAX_SUBSCRIBERS per stream on a node."""
        with self._subscribed(stream_id):
            while still_authorized():
                async with self._readers:  # the threadpool stays free for requests
                    page = await run_in_threadpool(self._next_sets, stream_id, position)
                for event_id, token in page.signed:
                    yield event_id, token
                    position = event_id
                if page.more:
                    continue
                subscriber = self.feed.join(page.stream, page.through)
                if subscriber is None:  # the feed has read further: read up to it first
                    continue
                try:
                    async for event_id, token in self.feed.follow(subscriber, still_authorized):
                        yield event_id, token
                        position = event_id
                finally:
                    self.feed.leave(subscriber)
                if subscriber.departure is Departure.OVERFLOW:
                    # Raised, not returned: a response that ends normally would wait to
                    # send its last chunk into a connection nobody reads.
                    raise SubscriberTooSlowError(f"{BUFFERED} SETs waited for a subscriber")
                if subscriber.departure is Departure.GONE:
                    raise StreamGoneError(stream_id)

    def check_room(self, stream_id: str) -> None:
        """Before a subscription's response starts (429 can still be answered)."""
        if self._subscribers[stream_id] >= MAX_SUBSCRIBERS:
            raise TooManyRequestsError(f"at most {MAX_SUBSCRIBERS} subscribers per stream")

    @contextmanager
    def _subscribed(self, stream_id: str) -> Iterator[None]:
        self.check_room(stream_id)
        self._subscribers[stream_id] += 1
        try:
            yield
        finally:
            self._subscribers[stream_id] -= 1
            if not self._subscribers[stream_id]:
                del self._subscribers[stream_id]

    def _next_sets(self, stream_id: str, position: int) -> Page:
        """The next events, signed here, off the event loop."""
        with self.reading() as store:
            stream = store.load_stream(stream_id)
            if stream is None:
                raise StreamGoneError(stream_id)
            # The newest id first: every event up to it has committed (commit order).
            newest = store.last_security_event_id()
            events = store.stream_events(stream, position, BATCH, through=newest)
        more = len(events) == BATCH
        signed = [(event.id, self.tokens.issue(event, stream)) for event in events]
        return Page(stream, signed, more, events[-1].id if more else max(position, newest))

    async def poll(self, stream: Stream, body: Mapping[str, Any], wait: float) -> dict[str, Any]:
        """RFC 8936 §2.2-2.5: settle what the receiver acknowledged (or reported as an
        error: it will not be sent again), then offer up to ``maxEvents`` SETs not yet
        acknowledged, waiting for some up to ``wait`` seconds unless
        ``returnImmediately``."""
        request = PollRequest.parse(body)
        settled = [
            event_id for jti in request.settled if (event_id := stream.event_id_of(jti)) is not None
        ]
        if settled:
            await run_in_threadpool(self._acknowledge, stream.stream_id, settled)
        if request.max_events == 0:
            return {"sets": {}, "moreAvailable": False}
        deadline = None if request.return_immediately else wait
        while True:
            generation = self.notifier.generation
            sets, more = await run_in_threadpool(
                self._unacknowledged, stream.stream_id, request.max_events
            )
            if sets or deadline is None or deadline <= 0:
                return {"sets": sets, "moreAvailable": more}
            started = time.monotonic()
            await self.notifier.wait_after(generation, deadline)
            deadline -= time.monotonic() - started

    def _acknowledge(self, stream_id: str, event_ids: list[int]) -> None:
        with self.transaction() as store:
            stream = store.load_stream(stream_id)
            if stream is not None:
                store.acknowledge(stream, event_ids)

    def _unacknowledged(self, stream_id: str, limit: int) -> tuple[dict[str, str], bool]:
        """Up to ``limit`` SETs by jti, signed here, off the event loop; whether there
        are more."""
        with self.reading() as store:
            stream = store.load_stream(stream_id)
            if stream is None:
                raise StreamGoneError(stream_id)
            events = store.unacknowledged_events(stream, limit + 1)
        sets = {stream.jti(event): self.tokens.issue(event, stream) for event in events[:limit]}
        return sets, len(events) > limit


@dataclass(frozen=True)
class PollRequest:
    """RFC 8936 §2.2."""

    max_events: int
    return_immediately: bool
    settled: tuple[str, ...]  # acknowledged, or reported in setErrs

    @classmethod
    def parse(cls, body: Mapping[str, Any]) -> PollRequest:
        max_events = body.get("maxEvents", BATCH)
        if type(max_events) is not int or not 0 <= max_events <= MAX_POLL_EVENTS:
            raise InvalidRequestError(f"maxEvents must be an integer from 0 to {MAX_POLL_EVENTS}")
        return_immediately = body.get("returnImmediately", False)
        if not isinstance(return_immediately, bool):
            raise InvalidRequestError("returnImmediately must be a boolean")
        acks = body.get("ack", [])
        errors = body.get("setErrs", {})
        if not isinstance(acks, list) or not all(isinstance(jti, str) for jti in acks):
            raise InvalidRequestError("ack must be a list of jti strings")
        if not isinstance(errors, dict) or not all(
            isinstance(error, dict) for error in errors.values()
        ):
            raise InvalidRequestError("setErrs must map jti to {err, description}")
        if len(acks) + len(errors) > MAX_ACKS:
            raise InvalidRequestError(f"at most {MAX_ACKS} acknowledgements at a time")
        return cls(max_events, return_immediately, (*acks, *errors))
