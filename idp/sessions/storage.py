"""What SSO sessions need from storage; sessions are keyed by the digest of their id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from idp.sessions.sso import SsoSession


class SessionStore(Protocol):
    def create_session(self, id_digest: str, session: SsoSession) -> None: ...

    def load_session(self, id_digest: str) -> SsoSession | None: ...

    def touch_session(self, id_digest: str, now: int) -> None: ...

    def delete_session(self, id_digest: str) -> None: ...

    def load_session_by_sid(self, sid: str) -> SsoSession | None: ...

    def touch_session_by_sid(self, sid: str, now: int) -> None: ...

    def list_user_sids(self, user_id: str) -> list[str]:
        """The ``sid`` of each of the user's sessions, oldest first."""
        ...


class SessionParties(Protocol):
    """The parties (clients) a session answered, to be told when it ends."""

    def add_session_party(self, sid: str, client_id: str, user_id: str, now: int) -> None:
        """Under the user's lock (the one a revocation takes), so that a logout either
        sees the party or ends the session first; then nothing is added."""
        ...

    def session_parties(self, sid: str) -> list[str]:
        """By when they joined (to the second), then by id."""
        ...
