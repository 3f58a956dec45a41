"""What ``Provider`` and ``AsyncProvider`` share: the provider's metadata and keys,
the rules of each kind of token, and the revocation state, as flows (idp.rp.flow)
that the two run with their own HTTP client."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from functools import partial
from typing import TYPE_CHECKING

from idp.rp.caching import CachedDocument, Clock
from idp.rp.claims import Claims
from idp.rp.discovery import ProviderMetadata, check_issuer_url, discovery_request, parse_metadata
from idp.rp.errors import AuthzExtraMissing
from idp.rp.flow import Flow
from idp.rp.following import Following, FollowOptions
from idp.rp.jwks import KeyCache
from idp.rp.replay import SeenTokens
from idp.rp.token_endpoint import ClientAuthentication
from idp.rp.validation import (
    ACCESS_TOKEN_TYPES,
    ID_TOKEN_TYPES,
    LOGOUT_TOKEN_TYPES,
    check_access_token,
    check_id_token,
    check_logout_token,
    required_number,
    required_string,
)
from idp.rp.verifier import JwtVerifier

if TYPE_CHECKING:  # the policy engine is the authz extra: imported when it is used
    from idp.rp.policies import PolicyBundles

DEFAULT_LEEWAY = 30.0  # s
DEFAULT_MAX_TOKEN_SIZE = 16 * 1024  # characters
DEFAULT_REFETCH_INTERVAL = 30.0  # s between refetches of the JWKS for an unknown kid


class ProviderCore:
    def __init__(
        self,
        issuer: str,
        *,
        clock: Clock,
        leeway: float,
        max_token_size: int,
        algorithms: Collection[str] | None,
        jwks_refetch_interval: float,
    ) -> None:
        self.issuer = check_issuer_url(issuer)
        self.clock = clock
        self.leeway = leeway
        self.metadata: CachedDocument[ProviderMetadata] = CachedDocument(
            "discovery document",
            partial(discovery_request, issuer),
            partial(parse_metadata, issuer=issuer, allowed=algorithms),
            clock,
        )
        self.verifier = JwtVerifier(
            self.metadata, KeyCache(self.metadata, clock, jwks_refetch_interval), max_token_size
        )
        self.logout_tokens = SeenTokens()
        self.following: Following | None = None

    def access_token(
        self,
        token: str,
        audience: str,
        scopes: str | Iterable[str],
        acr_values: Collection[str] | None = None,
        max_age: float | None = None,
    ) -> Flow[Claims]:
        """RFC 9068 §4 and RFC 9470 §3, then the revocation check."""
        now = self.clock()
        claims, _ = yield from self.verifier.verified(
            token, ACCESS_TOKEN_TYPES, "an access token", now
        )
        wanted = frozenset(scopes.split() if isinstance(scopes, str) else scopes)
        check_access_token(
            claims,
            issuer=self.issuer,
            audience=audience,
            scopes=wanted,
            acr_values=acr_values,
            max_age=max_age,
            now=now,
            leeway=self.leeway,
        )
        if self.following is not None:
            yield from self.following.check(claims, now)
        return Claims(claims)

    def id_token(
        self,
        token: str,
        *,
        client_id: str,
        nonce: str | None,
        access_token: str | None,
        max_age: float | None,
        acr_values: Collection[str] | None,
    ) -> Flow[Claims]:
        """OIDC Core §3.1.3.7, then the revocation check (the event stream's)."""
        now = self.clock()
        claims, alg = yield from self.verifier.verified(token, ID_TOKEN_TYPES, "an ID token", now)
        check_id_token(
            claims,
            issuer=self.issuer,
            client_id=client_id,
            alg=alg,
            nonce=nonce,
            access_token=access_token,
            max_age=max_age,
            acr_values=acr_values,
            now=now,
            leeway=self.leeway,
        )
        if self.following is not None:
            yield from self.following.check(claims, now)
        return Claims(claims)

    def logout_token(self, token: str, *, client_id: str) -> Flow[Claims]:
        """Back-Channel Logout 1.0 §2.6, a ``jti`` seen before refused (step 8)."""
        now = self.clock()
        claims, _ = yield from self.verifier.verified(
            token, LOGOUT_TOKEN_TYPES, "a logout token", now
        )
        check_logout_token(
            claims, issuer=self.issuer, client_id=client_id, now=now, leeway=self.leeway
        )
        until = required_number(claims, "exp") + self.leeway
        self.logout_tokens.check_and_remember(required_string(claims, "jti"), until, now)
        return Claims(claims)

    def policy_bundles(
        self,
        client: ClientAuthentication,
        bundle_uri: str | None,
    ) -> PolicyBundles:
        """Local decisions (idp.rp.policies): the policy engine imported now, so an
        install without the ``authz`` extra is told at once."""
        try:
            from idp.rp.policies import PolicyBundles
        except ModuleNotFoundError as exc:
            if exc.name != "cedarpy":
                raise
            raise AuthzExtraMissing(
                "local decisions need the policy engine: pip install 'tessera-idp[authz]'"
            ) from None
        return PolicyBundles(
            client,
            issuer=self.issuer,
            metadata=self.metadata,
            verifier=self.verifier,
            clock=self.clock,
            bundle_uri=bundle_uri,
        )

    def follow(self, options: FollowOptions) -> Following:
        if self.following is not None:
            raise RuntimeError("the provider follows its revocations already")
        self.following = Following(
            options,
            issuer=self.issuer,
            metadata=self.metadata,
            verifier=self.verifier,
            clock=self.clock,
            leeway=self.leeway,
        )
        return self.following
