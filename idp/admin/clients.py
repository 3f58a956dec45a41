"""Client registration (RFC 7591 §2 metadata rules). The server generates the client id
and a 256-bit secret; only the secret's SHA-256 digest is stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from idp.keys.signing import Algorithm
from idp.oauth.clients import (
    REDIRECT_GRANTS,
    AuthMethod,
    Client,
    GrantType,
    InvalidClientMetadataError,
    check_redirect_uri_registration,
)
from idp.oauth.parameters import CONTROL_CHARACTERS, PARAMETER_LIMITS
from idp.oauth.storage import ClientStore
from idp.oauth.uris import is_absolute_without_fragment, is_web_origin, origin_of
from idp.revocation.events import Reason
from idp.revocation.records import MAX_TOKEN_LIFETIME
from idp.revocation.revoker import Revoker
from idp.scope import OFFLINE_ACCESS, Scope
from idp.secret import Secret, digest, new_identifier, new_token

CONFIDENTIAL_ONLY_GRANTS = frozenset({GrantType.CLIENT_CREDENTIALS, GrantType.TOKEN_EXCHANGE})
TOKEN_TTL_RANGE = (60, MAX_TOKEN_LIFETIME)
REFRESH_TTL_RANGE = (600, 86400 * 365)
DEFAULT_SCOPE = "openid profile email"
MAX_NAME_LENGTH = 255  # shown on consent pages; clients.name
MAX_URI_LENGTH = 2048  # clients.backchannel_logout_uri, frontchannel_logout_uri
MAX_GRACE_PERIOD = 60  # long enough for a retry, short enough for a thief to lose the race


class ClientRegistry(ClientStore, Protocol):
    def create_client(self, client: Client, now: int) -> None: ...

    def delete_client(self, client_id: str) -> bool: ...


@dataclass(frozen=True)
class ClientRegistration:
    name: str
    redirect_uris: Sequence[str] = ()
    grant_types: Sequence[str] = (GrantType.AUTHORIZATION_CODE.value,)
    public: bool = False
    auth_method: str | None = None
    scope: str | None = None  # default: DEFAULT_SCOPE, plus offline_access with refresh
    first_party: bool = False
    jwks: dict[str, Any] | None = None
    id_token_signed_response_alg: str = Algorithm.RS256.value
    resources: Sequence[str] = ()
    require_par: bool = False
    access_token_ttl: int | None = None
    id_token_ttl: int | None = None
    refresh_token_ttl: int | None = None
    refresh_token_grace_period: int = 0
    web_origins: Sequence[str] = ()
    exchange_audiences: Sequence[str] = ()
    may_impersonate: bool = False
    post_logout_redirect_uris: Sequence[str] = ()
    backchannel_logout_uri: str | None = None
    backchannel_logout_session_required: bool = False
    frontchannel_logout_uri: str | None = None
    frontchannel_logout_session_required: bool = False
    require_mfa: bool = False


def register_client(
    registry: ClientRegistry, registration: ClientRegistration, now: int
) -> tuple[Client, Secret | None]:
    """The new client and, for secret-based methods, its secret (shown once)."""
    method = _auth_method(registration)
    name = _name(registration.name)
    grant_types = _grant_types(registration.grant_types, method)
    redirect_uris = tuple(
        check_redirect_uri_registration(uri) for uri in registration.redirect_uris
    )
    if REDIRECT_GRANTS & set(grant_types) and not redirect_uris:
        raise InvalidClientMetadataError("at least one redirect URI is required")
    if registration.id_token_signed_response_alg not in {alg.value for alg in Algorithm}:
        raise InvalidClientMetadataError("id_token_signed_response_alg must be RS256 or ES256")
    if method is AuthMethod.PRIVATE_KEY_JWT and not (registration.jwks or {}).get("keys"):
        raise InvalidClientMetadataError("private_key_jwt needs a JWKS with at least one key")
    secret = None
    if method in (AuthMethod.CLIENT_SECRET_BASIC, AuthMethod.CLIENT_SECRET_POST):
        secret = Secret(new_token())
    client = Client(
        client_id=new_identifier(),
        name=name,
        token_endpoint_auth_method=method,
        redirect_uris=redirect_uris,
        grant_types=grant_types,
        scope=_scope(registration.scope or default_scope(grant_types)),
        first_party=registration.first_party,
        secret_digest=digest(secret.reveal()) if secret else None,
        jwks=registration.jwks if method is AuthMethod.PRIVATE_KEY_JWT else None,
        id_token_signed_response_alg=registration.id_token_signed_response_alg,
        resources=tuple(_resource(uri) for uri in registration.resources),
        require_par=registration.require_par,
        access_token_ttl=_lifetime("access_token_ttl", registration.access_token_ttl),
        id_token_ttl=_lifetime("id_token_ttl", registration.id_token_ttl),
        refresh_token_ttl=_lifetime(
            "refresh_token_ttl", registration.refresh_token_ttl, REFRESH_TTL_RANGE
        ),
        refresh_token_grace_period=_grace_period(registration.refresh_token_grace_period),
        web_origins=tuple(_web_origin(origin) for origin in registration.web_origins),
        exchange_audiences=tuple(registration.exchange_audiences),
        may_impersonate=registration.may_impersonate,
        post_logout_redirect_uris=tuple(
            check_redirect_uri_registration(uri, "post-logout redirect URI")
            for uri in registration.post_logout_redirect_uris
        ),
        backchannel_logout_uri=_backchannel_logout_uri(registration.backchannel_logout_uri),
        backchannel_logout_session_required=registration.backchannel_logout_session_required,
        frontchannel_logout_uri=_frontchannel_logout_uri(
            registration.frontchannel_logout_uri, redirect_uris
        ),
        frontchannel_logout_session_required=registration.frontchannel_logout_session_required,
        require_mfa=registration.require_mfa,
    )
    registry.create_client(client, now)
    return client, secret


def default_scope(grant_types: Sequence[GrantType]) -> str:
    """OIDC Core §11: a client that may refresh may ask for offline access (the user is
    still asked to consent to it)."""
    if GrantType.REFRESH_TOKEN in grant_types:
        return f"{DEFAULT_SCOPE} {OFFLINE_ACCESS}"
    return DEFAULT_SCOPE


def delete_client(registry: ClientRegistry, revoker: Revoker, client_id: str) -> None:
    """Delete a client (its codes, refresh tokens and consents go with it) and take back
    every access token it holds."""
    if not registry.delete_client(client_id):
        raise InvalidClientMetadataError(f"no client {client_id!r}")
    revoker.revoke_client(client_id, reason=Reason.CLIENT_DELETED)


def _auth_method(registration: ClientRegistration) -> AuthMethod:
    if registration.public:
        if registration.auth_method not in (None, AuthMethod.NONE.value):
            raise InvalidClientMetadataError("a public client authenticates with method none")
        return AuthMethod.NONE
    try:
        method = AuthMethod(registration.auth_method or AuthMethod.CLIENT_SECRET_BASIC.value)
    except ValueError:
        raise InvalidClientMetadataError(
            f"unknown auth method {registration.auth_method!r}"
        ) from None
    if method is AuthMethod.NONE:
        raise InvalidClientMetadataError("use --public for clients without credentials")
    return method


def _grant_types(requested: Sequence[str], method: AuthMethod) -> tuple[GrantType, ...]:
    try:
        grants = tuple(dict.fromkeys(GrantType(grant) for grant in requested))
    except ValueError:
        raise InvalidClientMetadataError(
            f"grant types must be among {[grant.value for grant in GrantType]}"
        ) from None
    if not grants:
        raise InvalidClientMetadataError("at least one grant type is required")
    if method is AuthMethod.NONE and CONFIDENTIAL_ONLY_GRANTS & set(grants):
        # RFC 6749 §4.4: the client credentials grant is for confidential clients only.
        raise InvalidClientMetadataError("public clients cannot use client_credentials or exchange")
    return grants


def _scope(scope: str) -> Scope:
    values = Scope.parse(scope)
    if not values or not values.is_well_formed():
        raise InvalidClientMetadataError("scope must be space-separated scope tokens")
    if len(str(values)) > PARAMETER_LIMITS["scope"]:
        raise InvalidClientMetadataError(
            f"scope must be at most {PARAMETER_LIMITS['scope']} characters"
        )
    return values.sorted()


def _name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidClientMetadataError("name must not be empty")
    if CONTROL_CHARACTERS.search(name) or len(name) > MAX_NAME_LENGTH:
        raise InvalidClientMetadataError(
            f"name must be at most {MAX_NAME_LENGTH} characters, without control characters"
        )
    return name


def _resource(uri: str) -> str:
    # RFC 8707 §2: an absolute URI without a fragment.
    if not is_absolute_without_fragment(uri):
        raise InvalidClientMetadataError(f"resource {uri!r} must be an absolute URI, no fragment")
    return uri


def _lifetime(
    name: str, value: int | None, bounds: tuple[int, int] = TOKEN_TTL_RANGE
) -> int | None:
    if value is not None and not bounds[0] <= value <= bounds[1]:
        raise InvalidClientMetadataError(f"{name} must be between {bounds[0]} and {bounds[1]}")
    return value


def _web_origin(value: str) -> str:
    if not is_web_origin(value):
        raise InvalidClientMetadataError(
            f"web origin {value!r} must be scheme://host[:port], e.g. https://app.example"
        )
    return value


def _backchannel_logout_uri(uri: str | None) -> str | None:
    """Back-Channel Logout 1.0 §2.2: absolute, no fragment; https, or http on loopback."""
    if uri is None:
        return None
    return _web_uri(uri, "backchannel_logout_uri")


def _frontchannel_logout_uri(uri: str | None, redirect_uris: Sequence[str]) -> str | None:
    """Front-Channel Logout 1.0 §2: absolute, no fragment, and with the scheme, host and
    port of a registered redirect URI."""
    if uri is None:
        return None
    _web_uri(uri, "frontchannel_logout_uri")
    if origin_of(uri) not in {origin_of(registered) for registered in redirect_uris}:
        raise InvalidClientMetadataError(
            "frontchannel_logout_uri must have the scheme, host and port of a redirect URI"
        )
    return uri


def _web_uri(uri: str, name: str) -> str:
    if urlsplit(uri).scheme not in ("https", "http"):
        raise InvalidClientMetadataError(f"{name} {uri!r} must be an http(s) URL")
    check_redirect_uri_registration(uri, name)
    if len(uri) > MAX_URI_LENGTH:
        raise InvalidClientMetadataError(f"{name} must be at most {MAX_URI_LENGTH} characters")
    return uri


def _grace_period(seconds: int) -> int:
    if not 0 <= seconds <= MAX_GRACE_PERIOD:
        raise InvalidClientMetadataError(
            f"refresh_token_grace_period must be between 0 and {MAX_GRACE_PERIOD} seconds"
        )
    return seconds


def describe_client(client: Client) -> dict[str, Any]:
    """Client metadata as RFC 7591 §2 names it, without the secret."""
    return {
        "client_id": client.client_id,
        "client_name": client.name,
        "redirect_uris": list(client.redirect_uris),
        "grant_types": [grant.value for grant in client.grant_types],
        "response_types": ["code"] if REDIRECT_GRANTS & set(client.grant_types) else [],
        "token_endpoint_auth_method": client.token_endpoint_auth_method.value,
        "scope": str(client.scope),
        "first_party": client.first_party,
        "id_token_signed_response_alg": client.id_token_signed_response_alg,
        "resources": list(client.resources),
        "require_pushed_authorization_requests": client.require_par,
        "access_token_ttl": client.access_token_ttl,
        "id_token_ttl": client.id_token_ttl,
        "refresh_token_ttl": client.refresh_token_ttl,
        "refresh_token_grace_period": client.refresh_token_grace_period,
        "web_origins": sorted(client.allowed_origins),
        "exchange_audiences": list(client.exchange_audiences),
        "may_impersonate": client.may_impersonate,
        "post_logout_redirect_uris": list(client.post_logout_redirect_uris),
        "backchannel_logout_uri": client.backchannel_logout_uri,
        "backchannel_logout_session_required": client.backchannel_logout_session_required,
        "frontchannel_logout_uri": client.frontchannel_logout_uri,
        "frontchannel_logout_session_required": client.frontchannel_logout_session_required,
        "require_mfa": client.require_mfa,
        "claim_mapping": client.claim_mapping.to_json() if client.claim_mapping else None,
    }
