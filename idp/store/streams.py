"""Streams, the security event log they read, and poll acknowledgements (implements
idp.ssf.storage.StreamStore).

Event ids follow commit order, which is what lets a stream's position be one number.
On SQLite every writer holds the database lock from BEGIN IMMEDIATE to its commit, so
ids are handed out in commit order already. On PostgreSQL a transaction takes one
advisory lock just before it writes its events and holds it until it commits: events
are written at the end of the transaction (``write_pending_security_events``, before
the commit), or at once by stream management, which takes no other lock after it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.orm import Session

from idp.ssf.model import DeliveryMethod, SecurityEvent, Stream, StreamStatus
from idp.ssf.push import KIND as PUSH
from idp.store.database import insert_ignoring_conflicts
from idp.store.models import SecurityEventRow, StreamAckRow, StreamRow
from idp.store.revocations import AFTER_COMMIT, EVENT_LISTENERS, PENDING_EVENTS

EVENT_LOG_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended('security_events', 0))")
ACK_WINDOW = 1000  # events examined per acknowledgement


class StreamQueries:
    session: Session

    def write_pending_security_events(self) -> None:
        """Just before the commit (idp.store.database): the events recorded in this
        transaction."""
        for event in self.session.info.pop(PENDING_EVENTS, []):
            self.insert_security_event(**event)

    def record_security_event(
        self,
        event_type: str,
        *,
        subject: str,
        now: int,
        client_id: str | None = None,
        sid: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Written when the transaction commits (``write_pending_security_events``)."""
        event = {
            "event_type": event_type,
            "subject": subject,
            "now": now,
            "client_id": client_id,
            "sid": sid,
            "detail": detail,
        }
        self.session.info.setdefault(PENDING_EVENTS, []).append(event)
        self.session.connection()  # a transaction to commit, even if nothing else writes

    def insert_security_event(
        self,
        event_type: str,
        *,
        subject: str,
        now: int,
        client_id: str | None = None,
        sid: str | None = None,
        detail: dict[str, Any] | None = None,
        stream_id: str | None = None,
    ) -> int:
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(EVENT_LOG_LOCK)
        row = SecurityEventRow(
            event_type=event_type,
            subject=subject,
            client_id=client_id,
            sid=sid,
            detail=detail or {},
            created_at=now,
            stream_id=stream_id,
        )
        self.session.add(row)
        self.session.flush()
        self._queue_pushes(_to_event(row), now)
        for listener in self.session.info.get(EVENT_LISTENERS, []):
            if listener not in self.session.info.get(AFTER_COMMIT, []):
                self.after_commit(listener)  # type: ignore[attr-defined]
        return row.id

    def _queue_pushes(self, event: SecurityEvent, now: int) -> None:
        """RFC 8935 push: one outbox delivery per push stream that wants the event,
        in this transaction (idp.outbox)."""
        # A stream's own events (stream-updated on enabling) go even while it is disabled.
        pushing = self.session.scalars(
            select(StreamRow).where(
                StreamRow.method == DeliveryMethod.PUSH.value,
                or_(
                    StreamRow.status != StreamStatus.DISABLED.value,
                    StreamRow.stream_id == event.stream_id,
                ),
            )
        )
        for row in pushing:
            stream = _to_stream(row)
            if stream.wants(event):
                self.enqueue_delivery(  # type: ignore[attr-defined]
                    PUSH,
                    client_id=stream.client_id,
                    target=stream.endpoint_url,
                    payload={"stream_id": stream.stream_id, "event_id": event.id},
                    now=now,
                )

    def last_security_event_id(self) -> int:
        return int(self.session.scalar(select(func.max(SecurityEventRow.id))) or 0)

    def security_event(self, event_id: int) -> SecurityEvent | None:
        row = self.session.get(SecurityEventRow, event_id)
        return _to_event(row) if row is not None else None

    def stream_events(
        self, stream: Stream, after: int, limit: int, through: int | None = None
    ) -> list[SecurityEvent]:
        statement = self._deliverable(stream).where(
            SecurityEventRow.id > max(after, stream.start_after)
        )
        if through is not None:
            statement = statement.where(SecurityEventRow.id <= through)
        rows = self.session.scalars(statement.order_by(SecurityEventRow.id).limit(limit))
        return [_to_event(row) for row in rows]

    def security_events(self, after: int, through: int, limit: int) -> list[SecurityEvent]:
        rows = self.session.scalars(
            select(SecurityEventRow)
            .where(SecurityEventRow.id > after, SecurityEventRow.id <= through)
            .order_by(SecurityEventRow.id)
            .limit(limit)
        )
        return [_to_event(row) for row in rows]

    def unacknowledged_events(self, stream: Stream, limit: int) -> list[SecurityEvent]:
        acked = select(StreamAckRow.event_id).where(StreamAckRow.stream_id == stream.stream_id)
        rows = self.session.scalars(
            self._deliverable(stream)
            .where(
                SecurityEventRow.id > max(stream.acked_through, stream.start_after),
                SecurityEventRow.id.not_in(acked),
            )
            .order_by(SecurityEventRow.id)
            .limit(limit)
        )
        return [_to_event(row) for row in rows]

    def acknowledge(self, stream: Stream, event_ids: list[int]) -> None:
        """Record the acknowledgements, then move the stream's floor past every event
        acknowledged without a gap, dropping the records it covers."""
        floor = max(stream.acked_through, stream.start_after)
        candidates = {event_id for event_id in event_ids if event_id > floor}
        offered = self.session.scalars(
            select(SecurityEventRow).where(SecurityEventRow.id.in_(candidates))
        )
        # Only events the stream delivers: an id of the future or of another stream's
        # event acknowledges nothing.
        fresh = [
            {"stream_id": stream.stream_id, "event_id": row.id}
            for row in offered
            if stream.delivers(_to_event(row))
        ]
        if fresh:  # a retried poll acknowledges again: the first one stays
            self.session.execute(insert_ignoring_conflicts(self.session, StreamAckRow), fresh)
        window = self.stream_events(stream, floor, ACK_WINDOW)
        acked = set(
            self.session.scalars(
                select(StreamAckRow.event_id).where(
                    StreamAckRow.stream_id == stream.stream_id,
                    StreamAckRow.event_id.in_([event.id for event in window]),
                )
            )
        )
        for event in window:
            if event.id not in acked:
                break
            floor = event.id
        self.session.execute(
            delete(StreamAckRow).where(
                StreamAckRow.stream_id == stream.stream_id, StreamAckRow.event_id <= floor
            )
        )
        row = self.session.get(StreamRow, stream.stream_id)
        if row is not None:
            row.acked_through = floor
        self.session.flush()

    @staticmethod
    def _deliverable(stream: Stream) -> Any:
        statement = select(SecurityEventRow).where(
            or_(
                SecurityEventRow.stream_id == stream.stream_id,
                SecurityEventRow.stream_id.is_(None)
                & SecurityEventRow.event_type.in_(stream.events_delivered),
            )
        )
        if stream.held_after is not None:
            statement = statement.where(SecurityEventRow.id <= stream.held_after)
        if stream.dropped is not None:
            after, through = stream.dropped
            statement = statement.where(
                or_(SecurityEventRow.id <= after, SecurityEventRow.id > through)
            )
        return statement

    def create_stream(self, stream: Stream) -> None:
        self.session.add(StreamRow(stream_id=stream.stream_id, **_columns(stream)))
        self.session.flush()

    def save_stream(self, stream: Stream) -> None:
        row = self.session.get(StreamRow, stream.stream_id)
        if row is None:
            return
        for name, value in _columns(stream).items():
            setattr(row, name, value)
        self.session.flush()

    def load_stream(self, stream_id: str) -> Stream | None:
        row = self.session.get(StreamRow, stream_id)
        return _to_stream(row) if row is not None else None

    def list_streams(self, client_id: str) -> list[Stream]:
        rows = self.session.scalars(
            select(StreamRow).where(StreamRow.client_id == client_id).order_by(StreamRow.created_at)
        )
        return [_to_stream(row) for row in rows]

    def push_streams(self) -> list[Stream]:
        rows = self.session.scalars(
            select(StreamRow).where(StreamRow.method == DeliveryMethod.PUSH.value)
        )
        return [_to_stream(row) for row in rows]

    def delete_stream(self, stream_id: str) -> None:
        self.session.execute(delete(StreamRow).where(StreamRow.stream_id == stream_id))


def _columns(stream: Stream) -> dict[str, Any]:
    return {
        "client_id": stream.client_id,
        "method": stream.method.value,
        "endpoint_url": stream.endpoint_url,
        "events_requested": list(stream.events_requested)
        if stream.events_requested is not None
        else None,
        "authorization_header": stream.authorization_header,
        "description": stream.description,
        "status": stream.status.value,
        "status_reason": stream.status_reason,
        "start_after": stream.start_after,
        "held_after": stream.held_after,
        "dropped_after": stream.dropped[0] if stream.dropped else None,
        "dropped_through": stream.dropped[1] if stream.dropped else None,
        "acked_through": stream.acked_through,
        "created_at": stream.created_at,
        "last_verification_at": stream.last_verification_at,
    }


def _to_stream(row: StreamRow) -> Stream:
    return Stream(
        stream_id=row.stream_id,
        client_id=row.client_id,
        method=DeliveryMethod(row.method),
        endpoint_url=row.endpoint_url,
        events_requested=tuple(row.events_requested) if row.events_requested is not None else None,
        authorization_header=row.authorization_header,
        description=row.description,
        status=StreamStatus(row.status),
        status_reason=row.status_reason,
        start_after=row.start_after,
        held_after=row.held_after,
        dropped=_range(row.dropped_after, row.dropped_through),
        acked_through=row.acked_through,
        created_at=row.created_at,
        last_verification_at=row.last_verification_at,
    )


def _range(after: int | None, through: int | None) -> tuple[int, int] | None:
    return (after, through) if after is not None and through is not None else None


def _to_event(row: SecurityEventRow) -> SecurityEvent:
    return SecurityEvent(
        id=row.id,
        event_type=row.event_type,
        subject=row.subject,
        client_id=row.client_id,
        sid=row.sid,
        detail=dict(row.detail),
        created_at=row.created_at,
        stream_id=row.stream_id,
    )
