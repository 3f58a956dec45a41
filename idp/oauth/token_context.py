"""What the endpoints of authenticated clients (token, introspection, revocation, device
authorization, pushed requests) hand the core: one transaction's stores, the node's
caches and token issuer, the time, and the extensions that add to token responses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from idp.authn.storage import UserStore
from idp.authz.claims import ClaimMapping, Target
from idp.oauth.client_auth import AssertionAudience
from idp.oauth.clients import Client
from idp.oauth.storage import (
    AssertionStore,
    ClientStore,
    CodeStore,
    DeviceStore,
    RefreshTokenStore,
)
from idp.oauth.tokens import AccessToken, Grant, TokenIssuer
from idp.revocation.cache import RevocationCache
from idp.revocation.events import SYSTEM
from idp.revocation.revoker import Revoker, SessionEndListener
from idp.revocation.storage import RevocationStore
from idp.scope import Scope
from idp.sealing import Sealer
from idp.sessions.sso import SessionPolicy
from idp.sessions.storage import SessionStore


class TokenStores(
    AssertionStore,
    CodeStore,
    DeviceStore,
    RefreshTokenStore,
    UserStore,
    SessionStore,
    RevocationStore,
    Protocol,
):
    """Everything the grants read or write, in one transaction."""


class TokenResponseExtension(Protocol):
    """Adds to the token response of a grant made by a user (OIDC adds the ID token)."""

    def extend(
        self,
        response: dict[str, Any],
        grant: Grant,
        client: Client,
        access: AccessToken,
        *,
        nonce: str | None,
        now: int,
    ) -> None: ...


class UserClaims(Protocol):
    """Adds the roles, groups, permissions and attributes a client's claim mapping
    releases for a user (idp.authz.cache.TokenClaims, from the node's cache). With
    ``in_memory``, a user the node does not hold raises idp.authz.cache.NotInMemory."""

    def release(
        self,
        subject: str,
        client_id: str,
        mapping: ClaimMapping | None,
        scope: Scope,
        target: Target,
        *,
        in_memory: bool = False,
    ) -> dict[str, Any]: ...


@dataclass(frozen=True)
class NoUserClaims:
    def release(
        self,
        subject: str,
        client_id: str,
        mapping: ClaimMapping | None,
        scope: Scope,
        target: Target,
        *,
        in_memory: bool = False,
    ) -> dict[str, Any]:
        return {}


NO_USER_CLAIMS = NoUserClaims()


@dataclass(frozen=True)
class TokenContext:
    stores: TokenStores
    clients: ClientStore
    tokens: TokenIssuer
    revocations: RevocationCache
    assertion_audience: AssertionAudience
    session_policy: SessionPolicy
    now: int
    replay_sealer: Sealer
    leeway: int = 0  # clock skew tolerated on expiry (IDP_CLOCK_LEEWAY)
    response_extensions: Sequence[TokenResponseExtension] = ()
    session_listeners: Sequence[SessionEndListener] = ()
    user_claims: UserClaims = NO_USER_CLAIMS
    in_memory: bool = False  # the stores are NO_STORAGE: nothing may read the database

    def revoker(self, actor: str = SYSTEM) -> Revoker:
        return Revoker(
            self.stores, self.revocations, self.now, self.leeway, self.session_listeners, actor
        )
