"""Taking tokens back: one access token, a refresh-token family, or a whole SSO session."""

from __future__ import annotations

from typing import Protocol

from idp.revocation.cache import RevocationCache, RevocationKind
from idp.revocation.storage import RevocationStore


class FamilyRevocationStore(RevocationStore, Protocol):
    def revoke_refresh_family(self, family_id: str, now: int) -> list[tuple[str, int]]: ...


class SessionRevocationStore(RevocationStore, Protocol):
    def revoke_session_refresh_tokens(self, sid: str, now: int) -> None: ...

    def end_sessions_by_sid(self, sid: str) -> None: ...


def revoke_access_token(
    store: RevocationStore,
    cache: RevocationCache,
    jti: str,
    expires_at: int,
    *,
    reason: str,
    now: int,
) -> None:
    store.add_revocation(RevocationKind.JTI, jti, reason=reason, now=now, prune_after=expires_at)
    cache.remember(RevocationKind.JTI, jti, expires_at)


def revoke_sso_session(
    store: SessionRevocationStore,
    cache: RevocationCache,
    sid: str,
    *,
    reason: str,
    now: int,
    tokens_live_until: int,
) -> None:
    """End the session and take back every token it issued: access tokens by ``sid``
    (until the longest-lived of them has expired) and its refresh tokens, offline ones
    included."""
    store.add_revocation(
        RevocationKind.SID, sid, reason=reason, now=now, prune_after=tokens_live_until
    )
    cache.remember(RevocationKind.SID, sid, tokens_live_until)
    store.revoke_session_refresh_tokens(sid, now)
    store.end_sessions_by_sid(sid)


def revoke_refresh_family(
    store: FamilyRevocationStore,
    cache: RevocationCache,
    family_id: str,
    *,
    reason: str,
    now: int,
) -> None:
    """Revoke a refresh-token family and the access tokens issued with it (RFC 7009 §2.1)."""
    for jti, expires_at in store.revoke_refresh_family(family_id, now):
        revoke_access_token(store, cache, jti, expires_at, reason=reason, now=now)
