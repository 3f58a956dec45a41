"""What the security event stream needs from storage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from idp.ssf.model import SecurityEvent, Stream


class StreamStore(Protocol):
    def create_stream(self, stream: Stream) -> None: ...

    def load_stream(self, stream_id: str) -> Stream | None: ...

    def list_streams(self, client_id: str) -> list[Stream]: ...

    def push_streams(self) -> list[Stream]:
        """Every receiver's push streams."""
        ...

    def save_stream(self, stream: Stream) -> None: ...

    def delete_stream(self, stream_id: str) -> None: ...

    def last_security_event_id(self) -> int: ...

    def insert_security_event(
        self,
        event_type: str,
        *,
        subject: str,
        now: int,
        client_id: str | None = None,
        detail: dict[str, Any] | None = None,
        stream_id: str | None = None,
    ) -> int:
        """Written at once, in commit order with every other event; its id."""
        ...

    def security_event(self, event_id: int) -> SecurityEvent | None: ...

    def stream_events(
        self, stream: Stream, after: int, limit: int, through: int | None = None
    ) -> list[SecurityEvent]:
        """What ``stream`` delivers after event ``after`` (up to event ``through``),
        oldest first."""
        ...

    def security_events(self, after: int, through: int, limit: int) -> list[SecurityEvent]:
        """Every event after ``after`` up to ``through``, oldest first."""
        ...

    def unacknowledged_events(self, stream: Stream, limit: int) -> list[SecurityEvent]:
        """RFC 8936 §2: what a poll offers, acknowledged or not yet, oldest first."""
        ...

    def acknowledge(self, stream: Stream, event_ids: list[int]) -> None: ...

    def after_commit(self, action: Callable[[], None]) -> None: ...
