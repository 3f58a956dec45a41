"""SSO session administration, shared by the CLI and (next) the account page and the
admin API: list a user's sessions with the clients that took part in each, and end one
or all of them through the one revocation unit of work (which tells those clients)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from idp.admin.users import UserAdminError, UserDirectory, load_user
from idp.revocation.events import Reason
from idp.revocation.revoker import Revoker
from idp.sessions.sso import SsoSession
from idp.sessions.storage import SessionParties


class SessionDirectory(UserDirectory, SessionParties, Protocol):
    def list_user_sessions(self, user_id: str) -> list[SsoSession]: ...

    def load_session_by_sid(self, sid: str) -> SsoSession | None: ...


@dataclass(frozen=True)
class SessionView:
    session: SsoSession
    parties: tuple[str, ...]  # client ids, by when they joined (to the second)


def list_sessions(directory: SessionDirectory, username: str) -> list[SessionView]:
    return list_user_sessions(directory, load_user(directory, username).id)


def list_user_sessions(directory: SessionDirectory, user_id: str) -> list[SessionView]:
    return [
        SessionView(session, tuple(directory.session_parties(session.sid)))
        for session in directory.list_user_sessions(user_id)
    ]


def end_session(directory: SessionDirectory, revoker: Revoker, sid: str) -> None:
    session = directory.load_session_by_sid(sid)
    if session is None:
        raise UserAdminError(f"no session {sid!r}")
    revoker.revoke_session(sid, reason=Reason.ADMINISTRATOR, subject=session.user_id)


def end_all_sessions(directory: SessionDirectory, revoker: Revoker, username: str) -> int:
    """The number of sessions ended."""
    user = load_user(directory, username)
    sessions = directory.list_user_sessions(user.id)
    for session in sessions:
        revoker.revoke_session(session.sid, reason=Reason.ADMINISTRATOR, subject=user.id)
    return len(sessions)
