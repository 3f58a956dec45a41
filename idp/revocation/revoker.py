"""The one unit of work for taking things back.

Every revocation path (RFC 7009, refresh-token and code reuse, logout, password change,
a disabled account, a deleted client) goes through a ``Revoker``. In the caller's
transaction it writes the revocation records, ends what is stored (refresh tokens, SSO
sessions), records one security event, and tells the listeners of ended sessions (which
queue back-channel logout tokens in the outbox); once that commits, this node's cache
knows at once, and other nodes read the records from the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from idp.revocation.cache import RevocationCache
from idp.revocation.events import SYSTEM, Reason, SecurityEventType
from idp.revocation.records import MAX_TOKEN_LIFETIME, RevocationKind, RevocationRecord
from idp.revocation.storage import RevocationStore
from idp.revocation.suspensions import SuspendedKind, Suspension


@dataclass(frozen=True)
class EndedSession:
    sid: str
    subject: str
    parties: tuple[str, ...]  # the clients that took part in it


class SessionEndListener(Protocol):
    def session_ended(self, store: RevocationStore, ended: EndedSession, now: int) -> None:
        """In the transaction that ends the session."""
        ...


@dataclass
class Revoker:
    store: RevocationStore
    cache: RevocationCache
    now: int
    # Tokens are accepted until exp plus the clock leeway, so records cover them as long.
    leeway: int = 0
    session_listeners: Sequence[SessionEndListener] = ()
    # Who takes it back, kept with each record and event: SYSTEM, OPERATOR, user_actor(),
    # client_actor() (idp.revocation.events).
    actor: str = SYSTEM
    # After a suspension is made or lifted and committed: reload here, tell other nodes.
    suspensions_changed: Callable[[], None] = lambda: None

    def revoke_access_token(
        self, jti: str, expires_at: int, *, reason: Reason, subject: str, client_id: str
    ) -> None:
        self.store.lock_subject(subject)
        self._record(RevocationKind.JTI, jti, reason=reason, last_expiry=expires_at)
        self._event(
            SecurityEventType.TOKEN_REVOKED,
            reason,
            subject=subject,
            client_id=client_id,
            detail={"jti": jti},
        )

    def revoke_refresh_family(
        self, family_id: str, *, reason: Reason, subject: str, client_id: str
    ) -> None:
        """A refresh-token family and the access tokens issued with it (RFC 7009 §2.1)."""
        self.store.lock_subject(subject)
        for jti, expires_at in self.store.revoke_refresh_family(family_id, self.now):
            self._record(RevocationKind.JTI, jti, reason=reason, last_expiry=expires_at)
        self._event(
            SecurityEventType.TOKEN_REVOKED,
            reason,
            subject=subject,
            client_id=client_id,
            detail={"family_id": family_id},
        )

    def revoke_session(
        self, sid: str, *, reason: Reason, subject: str, client_id: str | None = None
    ) -> None:
        """End an SSO session and take back every token it issued: access tokens by
        ``sid`` and its refresh tokens, offline ones included."""
        self.store.lock_subject(subject)
        self._record(RevocationKind.SID, sid, reason=reason)
        self.store.revoke_session_refresh_tokens(sid, self.now)
        self._end_session(sid, subject)
        self._event(
            SecurityEventType.SESSION_REVOKED, reason, subject=subject, client_id=client_id, sid=sid
        )

    def revoke_subject(self, user_id: str, *, reason: Reason, event: SecurityEventType) -> None:
        """Everything a user holds (ASVS 5 §7.4): every token issued to them until now,
        every refresh token, every SSO session."""
        self.store.lock_subject(user_id)
        self._record(RevocationKind.SUBJECT, user_id, reason=reason)
        self.store.revoke_user_refresh_tokens(user_id, self.now)
        for sid in self.store.list_user_sids(user_id):
            self._end_session(sid, user_id)
        self._event(event, reason, subject=user_id)

    def revoke_client(self, client_id: str, *, reason: Reason) -> None:
        """Every token issued to a client until now."""
        self._record(RevocationKind.CLIENT, client_id, reason=reason)
        self._event(SecurityEventType.TOKEN_REVOKED, reason, subject=client_id, client_id=client_id)

    def suspend(self, kind: SuspendedKind, value: str, *, reason: str) -> bool:
        """Quarantine a user or a client until ``lift_suspension``: their live tokens
        become SUSPENDED, and none is issued to them. False if already suspended."""
        if not self.store.suspend(Suspension(kind, value, self.now, reason, self.actor)):
            return False
        if kind is SuspendedKind.SUBJECT:
            self._event(SecurityEventType.ACCOUNT_DISABLED, Reason.SUSPENDED, subject=value)
        self.store.after_commit(self.suspensions_changed)
        return True

    def lift_suspension(self, kind: SuspendedKind, value: str) -> bool:
        """Their live tokens are valid again. False if not suspended."""
        if not self.store.lift_suspension(kind, value):
            return False
        if kind is SuspendedKind.SUBJECT:
            self._event(SecurityEventType.ACCOUNT_ENABLED, Reason.SUSPENSION_LIFTED, subject=value)
        self.store.after_commit(self.suspensions_changed)
        return True

    def _end_session(self, sid: str, subject: str) -> None:
        ended = EndedSession(sid, subject, tuple(self.store.session_parties(sid)))
        for listener in self.session_listeners:
            listener.session_ended(self.store, ended, self.now)
        self.store.end_sessions_by_sid(sid)

    def _record(
        self,
        kind: RevocationKind,
        value: str,
        *,
        reason: Reason,
        last_expiry: int | None = None,
    ) -> None:
        """``last_expiry``: when the last token the record covers expires; by default the
        longest any token issued until now can live."""
        expiry = last_expiry if last_expiry is not None else self.now + MAX_TOKEN_LIFETIME
        record = RevocationRecord(kind, value, self.now, expiry + self.leeway)
        self.store.add_revocation(record, reason=reason, actor=self.actor)
        # Honoured here once durable, announced to the other nodes, which read it from
        # the database too (the source of truth) if the announcement is lost.
        self.store.after_commit(lambda: self.cache.record_committed(record))

    def _event(
        self,
        event_type: SecurityEventType,
        reason: Reason,
        *,
        subject: str,
        client_id: str | None = None,
        sid: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.store.record_security_event(
            event_type,
            subject=subject,
            now=self.now,
            client_id=client_id,
            sid=sid,
            detail={"reason": reason.value, "actor": self.actor, **(detail or {})},
        )
