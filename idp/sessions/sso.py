"""Start, resume and end SSO sessions. The cookie value is a secret: only its digest is
stored. A new id is issued at every login, so a planted id never becomes authenticated
(session fixation)."""

from __future__ import annotations

from dataclasses import dataclass

from idp.secret import digest, new_token
from idp.sessions.storage import SessionStore

# Write the sliding "last seen" time at most this often, not on every request.
TOUCH_INTERVAL = 60


@dataclass(frozen=True)
class SessionPolicy:
    idle_timeout: int
    absolute_timeout: int


@dataclass(frozen=True)
class SsoSession:
    sid: str
    user_id: str
    auth_time: int
    amr: list[str]
    acr: str
    created_at: int
    last_seen_at: int
    expires_at: int


def start_session(
    store: SessionStore,
    policy: SessionPolicy,
    *,
    user_id: str,
    amr: list[str],
    acr: str,
    now: int,
    replaces: str | None = None,
) -> tuple[str, SsoSession]:
    """A new session and the cookie value that names it; ends the one it replaces."""
    if replaces:
        store.delete_session(digest(replaces))
    cookie_value = new_token()
    session = SsoSession(
        sid=new_token(16),
        user_id=user_id,
        auth_time=now,
        amr=amr,
        acr=acr,
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.absolute_timeout,
    )
    store.create_session(digest(cookie_value), session)
    return cookie_value, session


def resume_session(
    store: SessionStore, policy: SessionPolicy, cookie_value: str | None, now: int
) -> SsoSession | None:
    """The live session the cookie names, sliding its idle timeout; None otherwise."""
    if not cookie_value:
        return None
    id_digest = digest(cookie_value)
    session = store.load_session(id_digest)
    if session is None:
        return None
    if not is_live(session, policy, now):
        store.delete_session(id_digest)
        return None
    if now - session.last_seen_at >= TOUCH_INTERVAL:
        store.touch_session(id_digest, now)
    return session


def is_live(session: SsoSession, policy: SessionPolicy, now: int) -> bool:
    """Within the absolute timeout, and used within the idle timeout."""
    return now < session.expires_at and now - session.last_seen_at < policy.idle_timeout


def load_live_session(
    store: SessionStore, policy: SessionPolicy, sid: str, now: int, *, activity: bool = False
) -> SsoSession | None:
    """The live session a token is bound to. ``activity``: the user's application is
    using it (a refresh), which slides the idle timeout as a page visit would."""
    session = store.load_session_by_sid(sid)
    if session is None or not is_live(session, policy, now):
        return None
    if activity and now - session.last_seen_at >= TOUCH_INTERVAL:
        store.touch_session_by_sid(sid, now)
    return session
