"""Security Event Tokens (RFC 8417) from the provider's stream, read into the
revocation state. What each event means for tokens, as Tessera sends them
(docs/revocation.md):

- OAuth ``token-revoked`` about a ``jwt_id``: the token with that ``jti``;
- CAEP ``session-revoked`` about a ``complex`` subject with a ``session``: every token
  with that ``sid`` (without a session: every token of the user issued up to then);
- CAEP ``credential-change``: every token of the user issued up to the event;
- RISC ``account-disabled``: every token of the user, until ``account-enabled``.

A ``token-revoked`` for a refresh-token family or a client carries no ``jti``: the
tokens it takes back are known from their status lists only, as are a client's
suspension (which sends no event) and a disabled account's tokens once it is enabled
again. SSF ``stream-updated`` says whether the stream delivers at all (§8.1.5).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from idp.rp.errors import InvalidClaims
from idp.rp.revocation import RevocationState
from idp.rp.validation import check_audience, check_issuer, required_number, required_string

CAEP = "https://schemas.openid.net/secevent/caep/event-type/"
RISC = "https://schemas.openid.net/secevent/risc/event-type/"
TOKEN_REVOKED = "https://schemas.openid.net/secevent/oauth/event-type/token-revoked"
SESSION_REVOKED = CAEP + "session-revoked"  # CAEP 1.0 §3.1
CREDENTIAL_CHANGE = CAEP + "credential-change"  # CAEP 1.0 §3.3
ACCOUNT_DISABLED = RISC + "account-disabled"  # RISC 1.0 §2.3
ACCOUNT_ENABLED = RISC + "account-enabled"  # RISC 1.0 §2.4
STREAM_UPDATED = "https://schemas.openid.net/secevent/ssf/event-type/stream-updated"
FOLLOWED = (TOKEN_REVOKED, SESSION_REVOKED, CREDENTIAL_CHANGE, ACCOUNT_DISABLED, ACCOUNT_ENABLED)

Payload = Mapping[str, Any]


def check_security_event(claims: Mapping[str, Any], *, issuer: str, audience: str) -> None:
    """RFC 8417 §2.2 and SSF 1.0 §4.1: ``iss``, ``aud`` (the receiver), ``iat``,
    ``jti``, ``events`` an object, the subject in ``sub_id``."""
    check_issuer(claims, issuer)
    check_audience(claims, audience)
    required_number(claims, "iat")
    required_string(claims, "jti")
    if not isinstance(claims.get("events"), dict) or not isinstance(claims.get("sub_id"), dict):
        raise InvalidClaims("a security event has no events or sub_id")


class EventReader:
    """Applies verified SETs to the state; the subject's ``iss`` must be the issuer."""

    def __init__(self, state: RevocationState, issuer: str) -> None:
        self._state = state
        self._issuer = issuer
        self._handlers: dict[str, Callable[[dict[str, Any], Payload, float, float], None]] = {
            TOKEN_REVOKED: self._token_revoked,
            SESSION_REVOKED: self._session_revoked,
            CREDENTIAL_CHANGE: self._credential_change,
            ACCOUNT_DISABLED: self._account_disabled,
            ACCOUNT_ENABLED: self._account_enabled,
            STREAM_UPDATED: self._stream_updated,
        }

    def apply(self, claims: Mapping[str, Any], now: float) -> None:
        for event_type, payload in claims["events"].items():
            handler = self._handlers.get(event_type)
            if handler is not None and isinstance(payload, dict):
                # CAEP 1.0 §2: event_timestamp, else the SET's own time.
                at = payload.get("event_timestamp", claims["iat"])
                at = at if isinstance(at, int | float) else claims["iat"]
                handler(claims["sub_id"], payload, at, now)

    def _token_revoked(
        self, subject: dict[str, Any], payload: Payload, at: float, now: float
    ) -> None:
        jti = subject.get("jti")
        if subject.get("format") == "jwt_id" and self._ours(subject) and isinstance(jti, str):
            self._state.revoke_jti(jti, at, now)

    def _session_revoked(
        self, subject: dict[str, Any], payload: Payload, at: float, now: float
    ) -> None:
        session = subject.get("session") if subject.get("format") == "complex" else None
        sid = session.get("id") if isinstance(session, dict) else None
        if isinstance(sid, str):
            self._state.revoke_sid(sid, at, now)
        elif (user := self._user(subject)) is not None:
            self._state.revoke_subject(user, at, now)

    def _credential_change(
        self, subject: dict[str, Any], payload: Payload, at: float, now: float
    ) -> None:
        if (user := self._user(subject)) is not None:
            self._state.revoke_subject(user, at, now)

    def _account_disabled(
        self, subject: dict[str, Any], payload: Payload, at: float, now: float
    ) -> None:
        if (user := self._user(subject)) is not None:
            self._state.suspend_subject(user)

    def _account_enabled(
        self, subject: dict[str, Any], payload: Payload, at: float, now: float
    ) -> None:
        if (user := self._user(subject)) is not None:
            self._state.resume_subject(user)

    def _stream_updated(
        self, subject: dict[str, Any], payload: Payload, at: float, now: float
    ) -> None:
        self._state.stream_enabled = payload.get("status") == "enabled"

    def _user(self, subject: dict[str, Any]) -> str | None:
        """RFC 9493 §3.2.5 ``iss_sub``, alone or as the ``user`` of a ``complex``."""
        user = subject.get("user") if subject.get("format") == "complex" else subject
        if not isinstance(user, dict) or user.get("format") != "iss_sub" or not self._ours(user):
            return None
        sub = user.get("sub")
        return sub if isinstance(sub, str) else None

    def _ours(self, subject: dict[str, Any]) -> bool:
        return subject.get("iss") == self._issuer
