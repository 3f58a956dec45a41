"""Where the web-app helper keeps its app sessions server-side: what lets a
back-channel logout (OpenID Connect Back-Channel Logout 1.0 §2.7) end them although
each browser still holds its cookie. One process keeps them in memory (the default);
several processes of an app share one registry of their own making, implementing
``SessionRegistry`` over their database or cache (every node must see an ending)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from idp.rp.app_session import SessionRecord

SWEEP_EVERY = 60.0  # s between sweeps of the expired records


class SessionRegistry(Protocol):
    """Called on the request's own thread or event loop: keep each call short (an
    async app: an in-memory or local store, or a store with a fast client)."""

    def save(self, record: SessionRecord, now: float) -> None:
        """Add the record or replace the one of its id; records whose ``expires_at`` has
        passed may go."""

    def load(self, session_id: str) -> SessionRecord | None:
        """The record, or None if it ended."""

    def delete(self, session_id: str) -> None: ...

    def delete_by_sid(self, sid: str) -> list[str]:
        """End every session of the provider's session ``sid``; their ids."""

    def delete_by_subject(self, subject: str) -> list[str]:
        """End every session of the user ``subject``; their ids."""


class InMemorySessionRegistry:
    """The sessions of one process, each forgotten at the latest when it expires."""

    def __init__(self) -> None:
        self._records: dict[str, SessionRecord] = {}
        self._lock = threading.Lock()
        self._swept_at = 0.0

    def save(self, record: SessionRecord, now: float) -> None:
        with self._lock:
            if now - self._swept_at >= SWEEP_EVERY:
                for expired in [r.id for r in self._records.values() if r.expires_at <= now]:
                    del self._records[expired]
                self._swept_at = now
            self._records[record.id] = record

    def load(self, session_id: str) -> SessionRecord | None:
        return self._records.get(session_id)

    def delete(self, session_id: str) -> None:
        with self._lock:
            self._records.pop(session_id, None)

    def delete_by_sid(self, sid: str) -> list[str]:
        return self._delete_where(lambda record: record.sid == sid)

    def delete_by_subject(self, subject: str) -> list[str]:
        return self._delete_where(lambda record: record.subject == subject)

    def _delete_where(self, matches: Callable[[SessionRecord], bool]) -> list[str]:
        with self._lock:
            ended = [record.id for record in self._records.values() if matches(record)]
            for session_id in ended:
                del self._records[session_id]
        return ended

    def __len__(self) -> int:
        return len(self._records)
