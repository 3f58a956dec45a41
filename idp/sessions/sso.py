"""Start, resume and end SSO sessions. The cookie value is a secret: only its digest is
stored. A new id is issued at every login, so a planted id never becomes authenticated
(session fixation)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from idp.authn.methods import AuthenticationMethod
from idp.revocation.events import Reason
from idp.revocation.revoker import Revoker
from idp.secret import digest, new_identifier, new_token
from idp.sessions.storage import SessionStore

# Write the sliding "last seen" time at most this often, not on every request...
MAX_TOUCH_INTERVAL = 60
# ...and at most a tenth of the idle timeout, so that activity always extends it.
TOUCH_FRACTION = 10
MAX_USER_AGENT = 255  # sso_sessions.user_agent
MAX_ADDRESS = 64  # sso_sessions.address


@dataclass(frozen=True)
class SessionPolicy:
    idle_timeout: int
    absolute_timeout: int
    max_per_user: int = 50

    @property
    def touch_interval(self) -> int:
        return max(1, min(MAX_TOUCH_INTERVAL, self.idle_timeout // TOUCH_FRACTION))


@dataclass(frozen=True)
class Device:
    """Where a session was started: shown to the user and the operator, never trusted."""

    user_agent: str = ""
    address: str = ""

    @classmethod
    def described(cls, user_agent: str | None, address: str | None) -> Device:
        printable = "".join(ch for ch in user_agent or "" if ch.isprintable())
        return cls(printable[:MAX_USER_AGENT], (address or "")[:MAX_ADDRESS])


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
    user_agent: str = ""
    address: str = ""


def start_session(
    store: SessionStore,
    policy: SessionPolicy,
    revoker: Revoker,
    *,
    user_id: str,
    method: AuthenticationMethod,
    replaces: str | None = None,
    device: Device | None = None,
) -> tuple[str, SsoSession]:
    """A new session and the cookie value that names it; ends the one it replaces, and
    the user's oldest sessions beyond ``policy.max_per_user``."""
    now = revoker.now
    if replaces:
        store.delete_session(digest(replaces))
    cookie_value = new_token()
    device = device or Device()
    session = SsoSession(
        sid=new_identifier(),
        user_id=user_id,
        auth_time=now,
        amr=list(method.amr),
        acr=method.acr,
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.absolute_timeout,
        user_agent=device.user_agent,
        address=device.address,
    )
    store.create_session(digest(cookie_value), session)
    others = [sid for sid in store.list_user_sids(user_id) if sid != session.sid]
    for sid in others[: max(0, len(others) - policy.max_per_user + 1)]:
        revoker.revoke_session(sid, reason=Reason.SESSION_LIMIT, subject=user_id)
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
    if now - session.last_seen_at >= policy.touch_interval:
        store.touch_session(id_digest, now)
    return session


def peek_session(
    store: SessionStore, policy: SessionPolicy, cookie_value: str | None, now: int
) -> SsoSession | None:
    """The live session the cookie names, as ``resume_session`` finds it, but without
    sliding its idle timeout: asking how long a session has left is not using it."""
    if not cookie_value:
        return None
    session = store.load_session(digest(cookie_value))
    return session if session is not None and is_live(session, policy, now) else None


def stay_signed_in(
    store: SessionStore, policy: SessionPolicy, cookie_value: str | None, now: int
) -> SsoSession | None:
    """The user asked to stay signed in: the idle timeout starts again now (the session
    is written whatever the touch interval); the absolute timeout never moves."""
    session = peek_session(store, policy, cookie_value, now)
    if session is None or cookie_value is None:
        return None
    store.touch_session(digest(cookie_value), now)
    return replace(session, last_seen_at=now)


@dataclass(frozen=True)
class TimeLeft:
    """Seconds until the session ends: unused (idle), and in any case (absolute)."""

    idle: int
    absolute: int


def time_left(session: SsoSession, policy: SessionPolicy, now: int) -> TimeLeft:
    absolute = max(0, session.expires_at - now)
    idle = max(0, min(session.last_seen_at + policy.idle_timeout - now, absolute))
    return TimeLeft(idle=idle, absolute=absolute)


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
    if activity and now - session.last_seen_at >= policy.touch_interval:
        store.touch_session_by_sid(sid, now)
    return session
