"""Registered clients (RFC 6749 §2) and the rules on their redirect URIs."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from idp.authz.claims import ClaimMapping
from idp.oauth.uris import is_loopback_host, origin_of, without_loopback_port
from idp.scope import Scope


class AuthMethod(StrEnum):
    """Token endpoint authentication methods (OIDC Core §9, RFC 7591 §2)."""

    CLIENT_SECRET_BASIC = "client_secret_basic"
    CLIENT_SECRET_POST = "client_secret_post"
    PRIVATE_KEY_JWT = "private_key_jwt"
    NONE = "none"


class GrantType(StrEnum):
    AUTHORIZATION_CODE = "authorization_code"
    REFRESH_TOKEN = "refresh_token"
    CLIENT_CREDENTIALS = "client_credentials"
    DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"  # RFC 8628 §3.4
    TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # RFC 8693 §2.1


DEFAULT_CLIENT_SCOPE = Scope(("email", "openid", "profile"))

# Grants that redirect a user agent back to the client.
REDIRECT_GRANTS = frozenset({GrantType.AUTHORIZATION_CODE})


@dataclass(frozen=True)
class Client:
    client_id: str
    name: str
    token_endpoint_auth_method: AuthMethod
    redirect_uris: tuple[str, ...]
    grant_types: tuple[GrantType, ...] = (GrantType.AUTHORIZATION_CODE,)
    scope: Scope = DEFAULT_CLIENT_SCOPE
    first_party: bool = False
    secret_digest: str | None = field(default=None, repr=False)
    jwks: dict[str, Any] | None = None
    id_token_signed_response_alg: str = "RS256"
    resources: tuple[str, ...] = ()
    require_par: bool = False
    access_token_ttl: int | None = None
    id_token_ttl: int | None = None
    refresh_token_ttl: int | None = None
    # RFC 9700 §4.14.2 trade-off: seconds in which a just-rotated refresh token, presented
    # again (a retry after a lost response), gets the same new tokens instead of being
    # treated as stolen. 0: never.
    refresh_token_grace_period: int = 0
    web_origins: tuple[str, ...] = ()  # CORS; none registered: the redirect URIs' origins
    exchange_audiences: tuple[str, ...] = ()
    may_impersonate: bool = False
    # OIDC RP-Initiated Logout 1.0 §3.1, Back-Channel Logout 1.0 §2.2, Front-Channel
    # Logout 1.0 §2 client metadata.
    post_logout_redirect_uris: tuple[str, ...] = ()
    backchannel_logout_uri: str | None = None
    backchannel_logout_session_required: bool = False
    frontchannel_logout_uri: str | None = None
    frontchannel_logout_session_required: bool = False
    # Every user signing in to this client uses a second factor (idp.authn.mfa_policy).
    require_mfa: bool = False
    # Which roles, groups, permissions and attributes its tokens carry (idp.authz.claims).
    claim_mapping: ClaimMapping | None = None

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method is AuthMethod.NONE

    @property
    def allowed_origins(self) -> frozenset[str]:
        """Origins whose scripts may call the token, revocation and UserInfo endpoints
        for this client (idp.http.cors)."""
        if self.web_origins:
            return frozenset(self.web_origins)
        return frozenset(filter(None, (origin_of(uri) for uri in self.redirect_uris)))

    def has_redirect_uri(self, uri: str) -> bool:
        """Exact, case-sensitive string match (RFC 9700 §4.1.3; OIDC Core §3.1.2.1),
        except for the port of a loopback IP redirect URI (RFC 8252 §7.3)."""
        if uri in self.redirect_uris:
            return True
        requested = without_loopback_port(uri)
        return requested is not None and any(
            without_loopback_port(registered) == requested for registered in self.redirect_uris
        )

    def has_post_logout_redirect_uri(self, uri: str) -> bool:
        """Exact string match (OIDC RP-Initiated Logout 1.0 §3: "MUST have been
        previously registered"; simple string comparison, OIDC Core §3.1.2.1)."""
        return uri in self.post_logout_redirect_uris


class InvalidClientMetadataError(ValueError):
    pass


def check_redirect_uri_registration(uri: str, name: str = "redirect URI") -> str:
    """Accept a redirect URI for registration (RFC 6749 §3.1.2; RFC 8252 §7).

    Absolute, no fragment; https, or http on a loopback host, or a private-use scheme
    with a dot in it (native apps). No wildcards.
    """
    parts = urlsplit(uri)
    if not parts.scheme:
        raise InvalidClientMetadataError(f"{name} {uri!r} is not absolute")
    if parts.fragment or "#" in uri:
        # RFC 6749 §3.1.2: MUST NOT include a fragment component.
        raise InvalidClientMetadataError(f"{name} {uri!r} must not contain a fragment")
    if "*" in uri:
        raise InvalidClientMetadataError(f"{name} {uri!r} must not contain wildcards")
    if parts.scheme == "https":
        if not parts.hostname:
            raise InvalidClientMetadataError(f"{name} {uri!r} has no host")
    elif parts.scheme == "http":
        if not is_loopback_host(parts.hostname):
            raise InvalidClientMetadataError(
                f"{name} {uri!r} must use https unless the host is loopback"
            )
    elif "." not in parts.scheme:
        raise InvalidClientMetadataError(
            f"{name} {uri!r}: custom schemes must be reverse domain names (RFC 8252 §7.1)"
        )
    return uri
