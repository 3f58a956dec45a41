"""The relying-party SDK: validate Tessera's tokens offline, and follow what it takes
back.

- access tokens (RFC 9068), ID tokens (OpenID Connect Core 1.0 §3.1.3.7), logout tokens
  (OpenID Connect Back-Channel Logout 1.0 §2.6), signed JWTs (RFC 7515, RFC 7519,
  RFC 8725) with keys from discovery (OpenID Connect Discovery 1.0) and the JWKS
  (RFC 7517);
- local decisions: what the decision API (OpenID AuthZEN 1.0) would answer, decided
  from a validated access token and the provider's signed policy bundle with the
  server's own policy engine (the ``authz`` extra, cedarpy), see idp.rp.policies;
- revocations from the token status lists (draft-ietf-oauth-status-list-20) and the
  security event stream (OpenID Shared Signals 1.0, RFC 8417 SETs, CAEP 1.0, RISC 1.0).

It depends only on pyjwt, cryptography and httpx and never imports the server side; an
import-linter contract in the test suite holds that. See docs/sdk.md.
"""

from __future__ import annotations

from idp.rp.aio import (
    AsyncClientCredentials,
    AsyncLocalPolicies,
    AsyncProvider,
    AsyncRevocationFollower,
)
from idp.rp.app_session import AppSession, SessionRecord
from idp.rp.claims import Claims
from idp.rp.errors import (
    AuthenticationTooOld,
    AuthzExtraMissing,
    BundleDigestMismatch,
    ExpiredToken,
    InsufficientAuthentication,
    InsufficientRole,
    InsufficientScope,
    InvalidAccessTokenHash,
    InvalidAudience,
    InvalidBundleIssuer,
    InvalidBundleSignature,
    InvalidClaims,
    InvalidIssuer,
    InvalidLoginState,
    InvalidNonce,
    InvalidRequest,
    InvalidSignature,
    InvalidTokenType,
    LoginError,
    LoginRefused,
    MalformedBundle,
    MalformedToken,
    MissingToken,
    NotYetValid,
    PolicyBundleError,
    ProviderUnavailable,
    ReplayedToken,
    RevokedToken,
    SessionEnded,
    StaleBundle,
    StaleRevocationState,
    SuspendedToken,
    TokenError,
    TokenRequestFailed,
    TokenTooLarge,
    UnknownKey,
    UnsafeReturnTo,
    UnsupportedAlgorithm,
    UnsupportedHeader,
)
from idp.rp.provider import ClientCredentials, LocalPolicies, Provider, RevocationFollower
from idp.rp.replay import SeenTokens
from idp.rp.resource_server import ResourceServer
from idp.rp.session_registry import InMemorySessionRegistry, SessionRegistry
from idp.rp.token_exchange import IssuedToken
from idp.rp.web_login import AsyncWebLogin, LoggedOut, WebLogin, WebLoginSettings

__all__ = [
    "AppSession",
    "AsyncClientCredentials",
    "AsyncLocalPolicies",
    "AsyncProvider",
    "AsyncRevocationFollower",
    "AsyncWebLogin",
    "AuthenticationTooOld",
    "AuthzExtraMissing",
    "BundleDigestMismatch",
    "Claims",
    "ClientCredentials",
    "ExpiredToken",
    "InMemorySessionRegistry",
    "InsufficientAuthentication",
    "InsufficientRole",
    "InsufficientScope",
    "InvalidAccessTokenHash",
    "InvalidAudience",
    "InvalidBundleIssuer",
    "InvalidBundleSignature",
    "InvalidClaims",
    "InvalidIssuer",
    "InvalidLoginState",
    "InvalidNonce",
    "InvalidRequest",
    "InvalidSignature",
    "InvalidTokenType",
    "IssuedToken",
    "LocalPolicies",
    "LoggedOut",
    "LoginError",
    "LoginRefused",
    "MalformedBundle",
    "MalformedToken",
    "MissingToken",
    "NotYetValid",
    "PolicyBundleError",
    "Provider",
    "ProviderUnavailable",
    "ReplayedToken",
    "ResourceServer",
    "RevocationFollower",
    "RevokedToken",
    "SeenTokens",
    "SessionEnded",
    "SessionRecord",
    "SessionRegistry",
    "StaleBundle",
    "StaleRevocationState",
    "SuspendedToken",
    "TokenError",
    "TokenRequestFailed",
    "TokenTooLarge",
    "UnknownKey",
    "UnsafeReturnTo",
    "UnsupportedAlgorithm",
    "UnsupportedHeader",
    "WebLogin",
    "WebLoginSettings",
]
