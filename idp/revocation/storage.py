"""What revocation needs from storage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from idp.outbox.storage import Outbox
from idp.revocation.records import RevocationRecord
from idp.revocation.suspensions import SuspendedKind, Suspension


class RevocationLog(Protocol):
    def add_revocation(self, record: RevocationRecord, *, reason: str, actor: str) -> None: ...

    def revocations_after(self, position: int, now: int) -> tuple[list[RevocationRecord], int]:
        """Live records not yet seen by a reader at ``position``, and the position to
        read from next. Positions follow commit order, so a record committed late is
        never skipped."""
        ...


class SecurityEventLog(Protocol):
    def record_security_event(
        self,
        event_type: str,
        *,
        subject: str,
        now: int,
        client_id: str | None = None,
        sid: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None: ...


class RevocationStore(RevocationLog, SecurityEventLog, Outbox, Protocol):
    """Everything a revocation writes, in the caller's transaction."""

    def lock_subject(self, subject: str) -> None:
        """Serialise, until the transaction ends, every change to what ``subject``
        holds (its refresh tokens and sessions): one lock, so concurrent refreshes and
        revocations of one user cannot deadlock."""
        ...

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the transaction has committed (never if it rolls back)."""
        ...

    def revoke_refresh_family(self, family_id: str, now: int) -> list[tuple[str, int]]:
        """Revoke every token of the family; (jti, exp) of the access tokens issued
        alongside them, for the caller to revoke too."""
        ...

    def revoke_session_refresh_tokens(self, sid: str, now: int) -> None: ...

    def end_sessions_by_sid(self, sid: str) -> None: ...

    def revoke_user_refresh_tokens(self, user_id: str, now: int) -> None: ...

    def list_user_sids(self, user_id: str) -> list[str]: ...

    def suspend(self, suspension: Suspension) -> bool:
        """False if already suspended."""
        ...

    def lift_suspension(self, kind: SuspendedKind, value: str) -> bool:
        """False if it was not suspended."""
        ...

    def session_parties(self, sid: str) -> list[str]:
        """The clients that took part in the session (idp.sessions.storage)."""
        ...
