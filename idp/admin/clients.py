"""Client registration (RFC 7591 §2 metadata rules). The server generates the client id
and a 256-bit secret; only the secret's SHA-256 digest is stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from idp.keys.signing import Algorithm
from idp.oauth.authorization import SUPPORTED_SCOPES
from idp.oauth.clients import (
    AuthMethod,
    Client,
    GrantType,
    InvalidClientMetadataError,
    check_redirect_uri_registration,
)
from idp.oauth.storage import ClientStore
from idp.secret import Secret, digest, new_token


class ClientRegistry(ClientStore, Protocol):
    def create_client(self, client: Client, now: int) -> None: ...


@dataclass(frozen=True)
class ClientRegistration:
    name: str
    redirect_uris: Sequence[str]
    grant_types: Sequence[str] = (GrantType.AUTHORIZATION_CODE.value,)
    public: bool = False
    auth_method: str | None = None
    scope: str = "openid profile email"
    first_party: bool = False
    jwks: dict[str, Any] | None = None
    id_token_signed_response_alg: str = Algorithm.RS256.value


def register_client(
    registry: ClientRegistry, registration: ClientRegistration, now: int
) -> tuple[Client, Secret | None]:
    """The new client and, for secret-based methods, its secret (shown once)."""
    method = _auth_method(registration)
    if not registration.name.strip():
        raise InvalidClientMetadataError("name must not be empty")
    if not registration.redirect_uris:
        raise InvalidClientMetadataError("at least one redirect URI is required")
    redirect_uris = tuple(
        check_redirect_uri_registration(uri) for uri in registration.redirect_uris
    )
    grant_types = _grant_types(registration.grant_types)
    scope = frozenset(registration.scope.split())
    if not scope or not scope <= SUPPORTED_SCOPES:
        raise InvalidClientMetadataError(f"scope must be a subset of {sorted(SUPPORTED_SCOPES)}")
    if registration.id_token_signed_response_alg not in {alg.value for alg in Algorithm}:
        raise InvalidClientMetadataError("id_token_signed_response_alg must be RS256 or ES256")
    if method is AuthMethod.PRIVATE_KEY_JWT and not (registration.jwks or {}).get("keys"):
        raise InvalidClientMetadataError("private_key_jwt needs a JWKS with at least one key")
    secret = None
    if method in (AuthMethod.CLIENT_SECRET_BASIC, AuthMethod.CLIENT_SECRET_POST):
        secret = Secret(new_token())
    client = Client(
        client_id=new_token(16),
        name=registration.name.strip(),
        token_endpoint_auth_method=method,
        redirect_uris=redirect_uris,
        grant_types=grant_types,
        scope=scope,
        first_party=registration.first_party,
        secret_digest=digest(secret.reveal()) if secret else None,
        jwks=registration.jwks if method is AuthMethod.PRIVATE_KEY_JWT else None,
        id_token_signed_response_alg=registration.id_token_signed_response_alg,
    )
    registry.create_client(client, now)
    return client, secret


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


def _grant_types(requested: Sequence[str]) -> tuple[GrantType, ...]:
    try:
        grants = tuple(dict.fromkeys(GrantType(grant) for grant in requested))
    except ValueError:
        raise InvalidClientMetadataError(
            f"grant types must be among {[grant.value for grant in GrantType]}"
        ) from None
    if GrantType.AUTHORIZATION_CODE not in grants:
        raise InvalidClientMetadataError("authorization_code is the grant this server offers")
    return grants


def describe_client(client: Client) -> dict[str, Any]:
    """Client metadata as RFC 7591 §2 names it, without the secret."""
    return {
        "client_id": client.client_id,
        "client_name": client.name,
        "redirect_uris": list(client.redirect_uris),
        "grant_types": [grant.value for grant in client.grant_types],
        "response_types": ["code"],
        "token_endpoint_auth_method": client.token_endpoint_auth_method.value,
        "scope": " ".join(sorted(client.scope)),
        "first_party": client.first_party,
        "id_token_signed_response_alg": client.id_token_signed_response_alg,
    }
