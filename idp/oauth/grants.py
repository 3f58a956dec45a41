"""What an authorization grant records: the authorization code and the refresh token
(RFC 6749 §1.3.1, §1.5). Both are opaque 256-bit values stored only as digests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AuthorizationCode:
    client_id: str
    user_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    sid: str
    auth_time: int
    acr: str
    amr: list[str]
    expires_at: int
    used_at: int | None = None


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
    scope: str
    auth_time: int
    created_at: int
    expires_at: int
