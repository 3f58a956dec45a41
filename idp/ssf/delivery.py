"""Reading a stream's events for its receiver: Server-Sent Events resumable from
Last-Event-ID, and RFC 8936 poll with acknowledgement."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from idp.errors import InvalidRequestError
from idp.ssf.model import SecurityEvent, Stream
from idp.ssf.notifier import EventNotifier
from idp.ssf.sets import SecurityEventTokens
from idp.ssf.storage import StreamStore

BATCH = 100  # events read, and sent, at a time
MAX_POLL_EVENTS = 1000
MAX_ACKS = 1000
IDLE_RECHECK = 30.0  # s: a subscriber rereads its stream this often however quiet


class StreamGoneError(Exception):
    """The stream was deleted, or its delivery method changed, under a subscriber."""


@dataclass(frozen=True)
class EventReader:
    reading: Callable[[], AbstractContextManager[StreamStore]]
    transaction: Callable[[], AbstractContextManager[StreamStore]]
    tokens: SecurityEventTokens
    notifier: EventNotifier

    def resume_position(self, stream: Stream, last_event_id: str | None) -> int:
        """Where an SSE subscriber starts: after ``Last-Event-ID``, which must be the
        stream's start or the id of an event of the stream; with none, from now on."""
        with self.reading() as store:
            newest = store.last_security_event_id()
            if last_event_id is None:
                return newest
            if not last_event_id.isdigit() or len(last_event_id) > 18:
                raise InvalidRequestError("Last-Event-ID must be an event id")
            position = int(last_event_id)
            if position > newest:
                raise InvalidRequestError("Last-Event-ID names no event yet (from the future)")
            if position == stream.start_after:
                return position
            event = store.security_event(position)
        if event is None or not stream.wants(event):
            raise InvalidRequestError("Last-Event-ID names no event of this stream")
        return position

    async def subscription(
        self, stream_id: str, position: int, idle_timeout: float
    ) -> AsyncIterator[tuple[int, str]]:
        """(event id, SET) after ``position``, in order, nothing twice, for as long as
        the subscriber stays."""
        while True:
            generation = self.notifier.generation
            stream, events = await run_in_threadpool(self._next_events, stream_id, position)
            for event in events:
                yield event.id, self.tokens.issue(event, stream)
                position = event.id
            if len(events) < BATCH:
                await self.notifier.wait_after(generation, idle_timeout)

    def _next_events(self, stream_id: str, position: int) -> tuple[Stream, list[SecurityEvent]]:
        with self.reading() as store:
            stream = store.load_stream(stream_id)
            if stream is None:
                raise StreamGoneError(stream_id)
            return stream, store.stream_events(stream, position, BATCH)

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
            stream, events = await run_in_threadpool(
                self._unacknowledged, stream.stream_id, request.max_events + 1
            )
            if events or deadline is None or deadline <= 0:
                break
            started = time.monotonic()
            await self.notifier.wait_after(generation, deadline)
            deadline -= time.monotonic() - started
        offered = events[: request.max_events]
        return {
            "sets": {stream.jti(event): self.tokens.issue(event, stream) for event in offered},
            "moreAvailable": len(events) > request.max_events,
        }

    def _acknowledge(self, stream_id: str, event_ids: list[int]) -> None:
        with self.transaction() as store:
            stream = store.load_stream(stream_id)
            if stream is not None:
                store.acknowledge(stream, event_ids)

    def _unacknowledged(self, stream_id: str, limit: int) -> tuple[Stream, list[SecurityEvent]]:
        with self.reading() as store:
            stream = store.load_stream(stream_id)
            if stream is None:
                raise StreamGoneError(stream_id)
            return stream, store.unacknowledged_events(stream, limit)


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
