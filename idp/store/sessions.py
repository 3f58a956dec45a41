"""SSO sessions (implements idp.sessions.storage.SessionStore)."""

from __future__ import annotations

import time

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from idp.sessions.sso import SsoSession
from idp.store.database import insert_ignoring_conflicts
from idp.store.models import SessionPartyRow, SsoSessionRow
from idp.store.revocations import SubjectLocks


def _to_session(row: SsoSessionRow) -> SsoSession:
    return SsoSession(
        sid=row.sid,
        user_id=row.user_id,
        auth_time=row.auth_time,
        amr=list(row.amr),
        acr=row.acr,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        expires_at=row.expires_at,
        user_agent=row.user_agent,
        address=row.address,
    )


class SessionQueries(SubjectLocks):
    session: Session

    def create_session(self, id_digest: str, session: SsoSession) -> None:
        self.session.add(
            SsoSessionRow(id_digest=id_digest, created_ns=time.time_ns(), **session.__dict__)
        )
        self.session.flush()

    def load_session(self, id_digest: str) -> SsoSession | None:
        row = self.session.get(SsoSessionRow, id_digest)
        return _to_session(row) if row else None

    def load_session_by_sid(self, sid: str) -> SsoSession | None:
        row = self.session.scalar(select(SsoSessionRow).where(SsoSessionRow.sid == sid))
        return _to_session(row) if row else None

    def list_user_sessions(self, user_id: str) -> list[SsoSession]:
        """Oldest first."""
        rows = self.session.scalars(
            select(SsoSessionRow)
            .where(SsoSessionRow.user_id == user_id)
            .order_by(SsoSessionRow.created_at, SsoSessionRow.created_ns)
        )
        return [_to_session(row) for row in rows]

    def list_user_sids(self, user_id: str) -> list[str]:
        return list(
            self.session.scalars(
                select(SsoSessionRow.sid)
                .where(SsoSessionRow.user_id == user_id)
                .order_by(SsoSessionRow.created_at, SsoSessionRow.created_ns)
            )
        )

    def touch_session(self, id_digest: str, now: int) -> None:
        self.session.execute(
            update(SsoSessionRow)
            .where(SsoSessionRow.id_digest == id_digest)
            .values(last_seen_at=now)
        )

    def touch_session_by_sid(self, sid: str, now: int) -> None:
        self.session.execute(
            update(SsoSessionRow).where(SsoSessionRow.sid == sid).values(last_seen_at=now)
        )

    def delete_session(self, id_digest: str) -> None:
        self.session.execute(delete(SsoSessionRow).where(SsoSessionRow.id_digest == id_digest))

    def end_sessions_by_sid(self, sid: str) -> None:
        self.session.execute(delete(SsoSessionRow).where(SsoSessionRow.sid == sid))

    def add_session_party(self, sid: str, client_id: str, user_id: str, now: int) -> None:
        self.lock_subject(user_id)
        statement = insert_ignoring_conflicts(self.session, SessionPartyRow)
        try:
            with self.session.begin_nested():
                self.session.execute(statement.values(sid=sid, client_id=client_id, joined_at=now))
        except IntegrityError:
            pass  # the session ended meanwhile: its tokens are taken back by its sid anyway

    def session_parties(self, sid: str) -> list[str]:
        return list(
            self.session.scalars(
                select(SessionPartyRow.client_id)
                .where(SessionPartyRow.sid == sid)
                .order_by(SessionPartyRow.joined_at, SessionPartyRow.client_id)
            )
        )
