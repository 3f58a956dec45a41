"""The relying-party SDK: validate Tessera's tokens offline, and follow what it takes
back.

- access tokens (RFC 9068), ID tokens (OpenID Connect Core 1.0 §3.1.3.7), logout tokens
  (OpenID Connect Back-Channel Logout 1.0 §2.6), signed JWTs (RFC 7515, RFC 7519,
  RFC 8725) with keys from discovery (OpenID Connect Discovery 1.0) and the JWKS
  (RFC 7517);
- revocations from the token status lists (draft-ietf-oauth-status-list-20) and the
  security event stream (OpenID Shared Signals 1.0, RFC 8417 SETs, CAEP 1.0, RISC 1.0).

It depends only on pyjwt, cryptography and httpx and never imports the server side; an
import-linter contract in the test suite holds that. See docs/sdk.md.
"""

from __future__ import annotations

from idp.rp.aio import AsyncClientCredentials, AsyncProvider, AsyncRevocationFollower
from idp.rp.app_session import AppSession, SessionRecord
from idp.rp.claims import Claims
from idp.rp.errors import (
    AuthenticationTooOld,
    ExpiredToken,
    InsufficientAuthentication,
    InsufficientRole,
    InsufficientScope,
    InvalidAccessTokenHash,
    InvalidAudience,
    InvalidClaims,
    InvalidIssuer,
    InvalidLoginState,
    InvalidNonce,
    InvalidRequest,
    InvalidSignature,
    InvalidTokenType,
    LoginError,
    LoginRefused,
    MalformedToken,
    MissingToken,
    NotYetValid,
    ProviderUnavailable,
    ReplayedToken,
    RevokedToken,
    SessionEnded,
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
from idp.rp.provider import ClientCredentials, Provider, RevocationFollower
from idp.rp.replay import SeenTokens
from idp.rp.resource_server import ResourceServer
from idp.rp.session_registry import InMemorySessionRegistry, SessionRegistry
from idp.rp.token_exchange import IssuedToken
from idp.rp.web_login import AsyncWebLogin, LoggedOut, WebLogin, WebLoginSettings

__all__ = [
    "AppSession",
    "AsyncClientCredentials",
    "AsyncProvider",
    "AsyncRevocationFollower",
    "AsyncWebLogin",
    "AuthenticationTooOld",
    "Claims",
    "ClientCredentials",
    "ExpiredToken",
    "InMemorySessionRegistry",
    "InsufficientAuthentication",
    "InsufficientRole",
    "InsufficientScope",
    "InvalidAccessTokenHash",
    "InvalidAudience",
    "InvalidClaims",
    "InvalidIssuer",
    "InvalidLoginState",
    "InvalidNonce",
    "InvalidRequest",
    "InvalidSignature",
    "InvalidTokenType",
    "IssuedToken",
    "LoggedOut",
    "LoginError",
    "LoginRefused",
    "MalformedToken",
    "MissingToken",
    "NotYetValid",
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
