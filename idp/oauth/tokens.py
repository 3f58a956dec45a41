"""Minting tokens: JWT access tokens (RFC 9068) and opaque refresh tokens (RFC 6749 §1.5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from idp.keys.jws import JwtSigner
from idp.keys.signing import Algorithm
from idp.oauth.grants import RefreshToken
from idp.oauth.storage import RefreshTokenStore
from idp.secret import digest, new_token

ACCESS_TOKEN_TYPE = "at+jwt"  # RFC 9068 §2.1


@dataclass(frozen=True)
class Lifetimes:
    access_token: int
    id_token: int
    refresh_token: int


@dataclass(frozen=True)
class AccessToken:
    token: str
    jti: str
    expires_at: int


@dataclass(frozen=True)
class Grant:
    """Who authorized which client for what, in which SSO session."""

    client_id: str
    user_id: str
    scope: str
    sid: str
    auth_time: int
    acr: str
    amr: tuple[str, ...]


class TokenIssuer:
    def __init__(
        self,
        signer: JwtSigner,
        *,
        issuer: str,
        audience: str,
        lifetimes: Lifetimes,
        access_token_alg: Algorithm = Algorithm.ES256,
    ) -> None:
        self.signer = signer
        self.issuer = issuer
        self.audience = audience
        self.lifetimes = lifetimes
        self.access_token_alg = access_token_alg

    def issue_access_token(self, grant: Grant, now: int) -> AccessToken:
        """RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti, plus scope, auth_time."""
        jti = new_token(16)
        expires_at = now + self.lifetimes.access_token
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": grant.user_id,
            "aud": self.audience,
            "client_id": grant.client_id,
            "scope": grant.scope,
            "jti": jti,
            "iat": now,
            "exp": expires_at,
            "sid": grant.sid,
            "auth_time": grant.auth_time,
            "acr": grant.acr,
        }
        token = self.signer.sign(claims, self.access_token_alg, typ=ACCESS_TOKEN_TYPE)
        return AccessToken(token, jti, expires_at)

    def issue_refresh_token(
        self, store: RefreshTokenStore, grant: Grant, now: int, session_expires_at: int
    ) -> tuple[str, str]:
        """An opaque refresh token and its family id; it dies with the SSO session."""
        token, family_id = new_token(), new_token(16)
        store.save_refresh_token(
            digest(token),
            RefreshToken(
                family_id=family_id,
                client_id=grant.client_id,
                user_id=grant.user_id,
                sid=grant.sid,
                scope=grant.scope,
                auth_time=grant.auth_time,
                created_at=now,
                expires_at=min(now + self.lifetimes.refresh_token, session_expires_at),
            ),
        )
        return token, family_id
