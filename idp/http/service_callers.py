"""Services calling Tessera's own APIs (Shared Signals, the decision API, the admin
API): a client authenticated by a client-credentials access token (RFC 9068) that
carries one of the scopes an endpoint asks for."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from idp.errors import InsufficientScopeError, InvalidTokenError
from idp.oauth.bearer import read_bearer_token, verify_access_token
from idp.provider import Provider


def service_claims(request: Request, provider: Provider, scopes: frozenset[str]) -> dict[str, Any]:
    """The claims of the caller's client-credentials access token, if it carries one
    of ``scopes``."""
    token = read_bearer_token(request.headers.get("authorization"), None)
    settings = provider.settings
    claims = verify_access_token(
        token,
        provider.signer,
        issuer=settings.issuer,
        audience=settings.audience,
        revocations=provider.revocations,
        now=provider.clock.now(),
    )
    client_id = claims.get("client_id")
    if claims.get("sub") != client_id:  # RFC 9068 §2.2: sub is the client itself
        raise InvalidTokenError("a client credentials access token is required")
    if not scopes & set(str(claims.get("scope", "")).split()):
        raise InsufficientScopeError(
            f"the access token lacks the {' or '.join(sorted(scopes))} scope"
        )
    return claims


def service_client(request: Request, provider: Provider, scopes: frozenset[str]) -> str:
    """The client a client-credentials access token was issued to, if it carries one
    of ``scopes``."""
    return str(service_claims(request, provider, scopes)["client_id"])
