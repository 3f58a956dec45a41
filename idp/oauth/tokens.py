"""Minting tokens: JWT access tokens (RFC 9068) and opaque refresh tokens (RFC 6749 §1.5),
with per-client lifetimes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from idp.errors import InvalidGrantError, UnauthorizedClientError
from idp.keys.jws import JwtSigner
from idp.keys.signing import Algorithm
from idp.oauth.clients import Client
from idp.oauth.grants import RefreshToken
from idp.oauth.storage import RefreshTokenStore
from idp.revocation.status_indexes import StatusIndexes
from idp.revocation.status_list import status_claim, status_list_uri
from idp.revocation.suspensions import Suspensions
from idp.scope import Scope
from idp.secret import digest, new_token
from idp.sessions.sso import SsoSession

ACCESS_TOKEN_TYPE = "at+jwt"  # RFC 9068 §2.1


@dataclass(frozen=True)
class Lifetimes:
    access_token: int
    id_token: int
    refresh_token: int
    offline_access: int  # from the login, however often its refresh tokens rotate

    def for_client(self, client: Client) -> Lifetimes:
        return Lifetimes(
            client.access_token_ttl or self.access_token,
            client.id_token_ttl or self.id_token,
            client.refresh_token_ttl or self.refresh_token,
            self.offline_access,
        )


@dataclass(frozen=True)
class AccessToken:
    token: str
    jti: str
    expires_at: int


@dataclass(frozen=True)
class Grant:
    """Who authorized which client for what. ``subject`` is the user, or the client itself
    for the client credentials grant (RFC 9068 §2.2); user grants carry their session."""

    client_id: str
    subject: str
    scope: Scope
    sid: str | None = None
    auth_time: int | None = None
    acr: str | None = None
    amr: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    actor: dict[str, Any] | None = field(default=None, compare=False)


def session_grant(
    session: SsoSession,
    client_id: str,
    scope: Scope,
    audience: tuple[str, ...],
    *,
    acr: str | None = None,
) -> Grant:
    """A grant made by the user of a live SSO session, carrying its authentication
    (``acr``: the class the request's essential acr named, where not the session's)."""
    return Grant(
        client_id=client_id,
        subject=session.user_id,
        scope=scope,
        sid=session.sid,
        auth_time=session.auth_time,
        acr=acr or session.acr,
        amr=tuple(session.amr),
        audience=audience,
    )


class TokenIssuer:
    def __init__(
        self,
        signer: JwtSigner,
        *,
        issuer: str,
        audience: str,
        lifetimes: Lifetimes,
        statuses: StatusIndexes,
        suspensions: Suspensions,
        access_token_alg: Algorithm = Algorithm.ES256,
    ) -> None:
        self.signer = signer
        self.issuer = issuer
        self.audience = audience
        self.lifetimes = lifetimes
        self.statuses = statuses
        self.suspensions = suspensions
        self.access_token_alg = access_token_alg

    def issue_access_token(
        self,
        grant: Grant,
        client: Client,
        now: int,
        extra_claims: Mapping[str, Any] | None = None,
    ) -> AccessToken:
        """RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti, plus scope and, for
        user grants, sid, auth_time, acr and amr (as OIDC Core §2 defines them for ID
        tokens, so a resource server can ask for a second factor, RFC 9470); ``act``
        for delegation (RFC 8693 §4.1); ``status``, its place in a token status list
        (draft-ietf-oauth-status-list-20 §6.2); ``extra_claims``, what the client's claim
        mapping releases (idp.authz.claims), never in place of a claim above."""
        self.check_not_suspended(grant.subject, grant.client_id)
        jti = new_token(16)
        expires_at = now + self.lifetimes.for_client(client).access_token
        audience = list(grant.audience) or [self.audience]
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": grant.subject,
            "aud": audience[0] if len(audience) == 1 else audience,
            "client_id": grant.client_id,
            "scope": str(grant.scope),
            "jti": jti,
            "iat": now,
            "exp": expires_at,
        }
        optional = {
            "sid": grant.sid,
            "auth_time": grant.auth_time,
            "acr": grant.acr,
            "amr": list(grant.amr) or None,
            "act": grant.actor,
        }
        claims.update({name: value for name, value in optional.items() if value is not None})
        for name, value in (extra_claims or {}).items():
            claims.setdefault(name, value)
        list_id, idx = self.statuses.allocate(
            jti=jti,
            sid=grant.sid,
            subject=grant.subject,
            client_id=grant.client_id,
            issued_at=now,
            expires_at=expires_at,
        )
        claims["status"] = status_claim(status_list_uri(self.issuer, list_id), idx)
        token = self.signer.sign(claims, self.access_token_alg, typ=ACCESS_TOKEN_TYPE)
        return AccessToken(token, jti, expires_at)

    def check_not_suspended(self, subject: str, client_id: str) -> None:
        """Nothing is issued to a suspended client or user (idp.revocation.suspensions).
        Grants call it before they use up a code or rotate a refresh token, so a
        suspension leaves them redeemable once lifted."""
        if self.suspensions.holds_client(client_id):
            raise UnauthorizedClientError("the client is suspended")
        if self.suspensions.holds(subject, client_id):
            raise InvalidGrantError("the user is suspended")

    def issue_refresh_token(
        self,
        store: RefreshTokenStore,
        grant: Grant,
        client: Client,
        now: int,
        *,
        access_token: AccessToken,
        family_id: str | None = None,
        expires_at: int | None = None,
        offline: bool = False,
    ) -> tuple[str, RefreshToken]:
        """An opaque refresh token, issued alongside ``access_token``. A new family unless
        ``family_id`` continues one (rotation); ``expires_at`` caps its lifetime (the end
        of the SSO session it is bound to)."""
        token = new_token()
        lifetime_end = now + self.lifetimes.for_client(client).refresh_token
        record = RefreshToken(
            family_id=family_id or new_token(16),
            client_id=grant.client_id,
            user_id=grant.subject,
            sid=grant.sid or "",
            scope=grant.scope,
            auth_time=grant.auth_time or now,
            created_at=now,
            expires_at=min(lifetime_end, expires_at) if expires_at else lifetime_end,
            offline=offline,
            acr=grant.acr or "",
            amr=grant.amr,
            access_token_jti=access_token.jti,
            access_token_expires_at=access_token.expires_at,
        )
        store.save_refresh_token(digest(token), record)
        return token, record
