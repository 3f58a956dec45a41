"""The app session of the web-app helper: the browser holds a sealed cookie naming it
(with who signed in and the claims the app reads); the server side holds its record
(idp.rp.session_registry), with the tokens, so that a session ended by back-channel
logout is refused although the browser still has the cookie, and so that the cookie
stays far below the 4096 bytes browsers keep (RFC 6265 §6.1)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

log = logging.getLogger("idp.rp")

MAX_COOKIE = 4096  # bytes of name, value and attributes (RFC 6265 §6.1)


@dataclass(frozen=True, slots=True)
class Cookie:
    """A cookie to set (``max_age`` 0 and an empty value: to delete), framework-neutral:
    ``header()`` is its Set-Cookie field value (RFC 6265 §4.1)."""

    name: str
    value: str
    max_age: int
    secure: bool
    path: str = "/"
    http_only: bool = True
    same_site: Literal["lax", "strict"] = "lax"

    def header(self) -> str:
        attributes = [f"{self.name}={self.value}", f"Max-Age={self.max_age}", f"Path={self.path}"]
        attributes.append(f"SameSite={self.same_site.capitalize()}")
        if self.secure:
            attributes.append("Secure")
        if self.http_only:
            attributes.append("HttpOnly")
        return "; ".join(attributes)

    def deletion(self) -> Cookie:
        return Cookie(self.name, "", 0, self.secure, self.path, self.http_only, self.same_site)


@dataclass(frozen=True, slots=True)
class SessionTokens:
    """What the token endpoint gave (OIDC Core §3.1.3.3), kept server-side only."""

    id_token: str
    access_token: str
    access_expires_at: float | None  # epoch s; None: the provider did not say
    refresh_token: str | None = None

    def __repr__(self) -> str:
        return f"SessionTokens(access_expires_at={self.access_expires_at!r})"


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """The server side of one app session."""

    id: str
    subject: str
    sid: str | None  # the provider's session (OIDC Core §2, Back-Channel Logout §2.4)
    created_at: float
    expires_at: float  # the app's absolute timeout
    last_seen: float  # for the app's idle timeout
    tokens: SessionTokens


@dataclass(frozen=True, slots=True)
class AppSession:
    """What a request learns of its signed-in user."""

    id: str
    subject: str
    sid: str | None
    claims: Mapping[str, Any]  # the ID token's claims the app keeps (WebLoginSettings.claims)
    auth_time: float | None  # OIDC Core §2: when the user authenticated at the provider
    created_at: float
    expires_at: float
    last_seen: float

    def cookie_payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sub": self.subject,
            "sid": self.sid,
            "claims": dict(self.claims),
            "auth_time": self.auth_time,
            "iat": self.created_at,
        }

    @classmethod
    def from_cookie(cls, payload: Mapping[str, Any], record: SessionRecord) -> AppSession | None:
        """None when the cookie is not of this record (another user's session id)."""
        if payload.get("id") != record.id or payload.get("sub") != record.subject:
            return None
        claims = payload.get("claims")
        return cls(
            id=record.id,
            subject=record.subject,
            sid=record.sid,
            claims=claims if isinstance(claims, dict) else {},
            auth_time=payload.get("auth_time"),
            created_at=record.created_at,
            expires_at=record.expires_at,
            last_seen=record.last_seen,
        )


def check_cookie_size(cookie: Cookie) -> bool:
    size = len(cookie.header().encode())
    if size > MAX_COOKIE:
        log.warning("the app session cookie is %d bytes: its claims are left out", size)
        return False
    return True
