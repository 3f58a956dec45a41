"""Revocation records, security events, and ending what a revocation covers
(implements idp.revocation.storage.RevocationStore).

Readers on other nodes follow the records by *commit* order. On SQLite, writers take
the database lock before they insert (BEGIN IMMEDIATE, idp.store.database), so row
ids already are in commit order. On PostgreSQL ids are handed out at insert, and a
transaction that began first may commit last, so each row also records its
transaction id, and a reader's position is the oldest transaction still running when
it read (the snapshot's xmin): everything before it has committed or never will, and
rows at or after it are read again until the position moves past them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import BigInteger, cast, select, text, update
from sqlalchemy.orm import Session

from idp.revocation.records import RevocationKind, RevocationRecord
from idp.store.models import RefreshTokenRow, RevocationRow

AFTER_COMMIT = "after_commit_actions"
PENDING_EVENTS = "pending_security_events"  # written just before the commit (idp.store.streams)
EVENT_LISTENERS = "security_event_listeners"  # Session.info: told after such a commit
# pg_current_xact_id() is an xid8: a 64-bit transaction id that never wraps.
CURRENT_TRANSACTION = text("pg_current_xact_id()::text::bigint")
# A transaction-scoped advisory lock keyed by a 64-bit hash of the subject.
SUBJECT_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:subject, 0))")
OLDEST_RUNNING_TRANSACTION = text("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")


def run_after_commit_actions(session: Session) -> None:
    """Session ``after_commit`` hook (idp.store.database). A savepoint's release fires
    it too: only the outer transaction's commit counts."""
    if session.in_nested_transaction():
        return
    for action in session.info.pop(AFTER_COMMIT, []):
        action()


def drop_after_commit_actions(session: Session) -> None:
    """Session ``after_rollback`` hook: what was never committed must not take effect
    (a savepoint rolled back leaves the outer transaction's actions be)."""
    if session.in_nested_transaction():
        return
    session.info.pop(AFTER_COMMIT, None)
    session.info.pop(PENDING_EVENTS, None)


class SubjectLocks:
    """The per-user lock that revocations, refreshes and session parties share."""

    session: Session

    @property
    def _on_postgresql(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def lock_subject(self, subject: str) -> None:
        # On SQLite the write lock taken at BEGIN IMMEDIATE already serialises writers.
        if self._on_postgresql:
            self.session.execute(SUBJECT_LOCK, {"subject": subject})


class RevocationQueries(SubjectLocks):
    session: Session

    def after_commit(self, action: Callable[[], None]) -> None:
        self.session.info.setdefault(AFTER_COMMIT, []).append(action)

    def add_revocation(self, record: RevocationRecord, *, reason: str, actor: str) -> None:
        row = RevocationRow(
            kind=record.kind.value,
            value=record.value,
            reason=reason,
            actor=actor,
            revoked_at=record.revoked_at,
            prune_after=record.prune_after,
        )
        if self._on_postgresql:
            row.transaction_id = CURRENT_TRANSACTION  # type: ignore[assignment]
        self.session.add(row)
        self.session.flush()

    def revocations_after(self, position: int, now: int) -> tuple[list[RevocationRecord], int]:
        if self._on_postgresql:
            return self._postgresql_revocations_after(position, now)
        rows = self._live_revocations(now).where(RevocationRow.id > position)
        records = [(row.id, _to_record(row)) for row in self.session.scalars(rows)]
        return [record for _, record in records], max((i for i, _ in records), default=position)

    def _postgresql_revocations_after(
        self, position: int, now: int
    ) -> tuple[list[RevocationRecord], int]:
        # First the oldest running transaction, then the rows: whatever began before it
        # has finished, so this statement's snapshot sees it if it committed.
        oldest_running = int(self.session.scalar(select(OLDEST_RUNNING_TRANSACTION)) or 0)
        rows = self._live_revocations(now).where(
            RevocationRow.transaction_id >= cast(position, BigInteger)
        )
        records = [_to_record(row) for row in self.session.scalars(rows)]
        return records, max(position, oldest_running)

    @staticmethod
    def _live_revocations(now: int) -> Any:
        return (
            select(RevocationRow).where(RevocationRow.prune_after > now).order_by(RevocationRow.id)
        )

    def revoke_session_refresh_tokens(self, sid: str, now: int) -> None:
        """Revoke every refresh token issued in session ``sid``, offline ones included."""
        self._revoke_refresh_tokens(RefreshTokenRow.sid == sid, now)

    def revoke_user_refresh_tokens(self, user_id: str, now: int) -> None:
        self._revoke_refresh_tokens(RefreshTokenRow.user_id == user_id, now)

    def _revoke_refresh_tokens(self, condition: Any, now: int) -> None:
        self.session.execute(
            update(RefreshTokenRow)
            .where(condition, RefreshTokenRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )


def _to_record(row: RevocationRow) -> RevocationRecord:
    return RevocationRecord(RevocationKind(row.kind), row.value, row.revoked_at, row.prune_after)
