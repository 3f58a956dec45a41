"""What an authorization grant records: the authorization code and the refresh token
(RFC 6749 §1.3.1, §1.5). Both are opaque 256-bit values stored only as digests."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from idp.scope import Scope


@dataclass(frozen=True)
class AuthorizationCode:
    client_id: str
    user_id: str
    redirect_uri: str
    scope: Scope
    nonce: str | None
    code_challenge: str | None
    sid: str  # the session it came from, which the tokens' authentication comes from
    expires_at: int
    used_at: int | None = None
    resources: tuple[str, ...] = ()
    acr: str | None = None  # the tokens' acr where it is not the session's (an essential acr)


@dataclass(frozen=True)
class IssuedTokens:
    """What one redemption of a code produced, so a replay can take it back."""

    access_token_jti: str
    access_token_expires_at: int
    refresh_family_id: str | None


@dataclass(frozen=True)
class RefreshToken:
    family_id: str
    client_id: str
    user_id: str
    sid: str
    scope: Scope
    auth_time: int
    created_at: int
    expires_at: int
    offline: bool = False
    acr: str = ""
    amr: tuple[str, ...] = ()
    rotated_at: int | None = None
    revoked_at: int | None = None
    access_token_jti: str | None = None
    access_token_expires_at: int | None = None
    replay_response: bytes | None = None


class DeviceStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    REDEEMED = "redeemed"


@dataclass(frozen=True)
class DeviceAuthorization:
    client_id: str
    user_code: str
    scope: Scope
    resources: tuple[str, ...]
    created_at: int
    expires_at: int
    interval: int
    status: DeviceStatus = DeviceStatus.PENDING
    last_polled_at: int | None = None
    user_id: str | None = None
    sid: str | None = None  # of the session that approved it, which the tokens come from
