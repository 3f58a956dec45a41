"""HTTP: discovery, JWKS and UserInfo."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Security
from fastapi.responses import JSONResponse, Response

from idp.http import openapi
from idp.http.cors import allow_origins_of
from idp.http.deps import OptionalFormDep, ProviderDep, get_provider
from idp.http.errors import NO_STORE
from idp.oauth.bearer import check_access_token_live, read_access_token, read_bearer_token
from idp.oidc.userinfo import userinfo_claims
from idp.provider import Provider

router = APIRouter(tags=["OpenID Connect"])

PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}


# Both documents are serialised once, not per request; serving them does no I/O but a
# key-ring refresh every IDP_KEY_CACHE_TTL seconds, so they run on the event loop.
@router.get(
    "/.well-known/openid-configuration",
    summary="Provider metadata (OIDC Discovery)",
    response_class=JSONResponse,
    responses=openapi.unavailable(),
)
async def discovery(request: Request) -> Response:
    provider = await get_provider(request)
    return Response(
        provider.discovery_document, media_type="application/json", headers=PUBLIC_CACHE
    )


@router.get(
    "/jwks",
    summary="Public signing keys (RFC 7517)",
    response_class=Response,
    responses=openapi.JWKS | openapi.unavailable(),
)
async def jwks(request: Request) -> Response:
    provider = await get_provider(request)
    return Response(
        provider.keyring.jwks_document(),
        media_type="application/jwk-set+json",
        headers={"Cache-Control": "public, max-age=60"},
    )


# Dispatched ahead of the router by idp.http.direct_routes.DirectRoutes.
DIRECT_ROUTES = {("GET", "/.well-known/openid-configuration"): discovery, ("GET", "/jwks"): jwks}


@router.get(
    "/userinfo",
    summary="Claims about the user (OIDC Core §5.3)",
    dependencies=[Security(openapi.BEARER_ACCESS_TOKEN)],
    responses=openapi.bearer_errors(401, 403, 500) | openapi.unavailable(),
)
def userinfo_get(request: Request, provider: ProviderDep) -> JSONResponse:
    token = read_bearer_token(request.headers.get("authorization"), None)
    return _userinfo(request, provider, token)


@router.post(
    "/userinfo",
    summary="Claims about the user (OIDC Core §5.3)",
    dependencies=[Security(openapi.BEARER_ACCESS_TOKEN)],
    openapi_extra=openapi.form_body("access_token", strict=True, body_required=False)
    | openapi.HEADER_OPTIONAL,
    responses=openapi.bearer_errors(400, 401, 403, 413, 500) | openapi.unavailable(),
)
def userinfo_post(
    request: Request,
    provider: ProviderDep,
    form: OptionalFormDep,
) -> JSONResponse:
    # RFC 6750 §2.2: the token may also come in the form body.
    token = read_bearer_token(request.headers.get("authorization"), form.get("access_token"))
    return _userinfo(request, provider, token)


def _userinfo(request: Request, provider: Provider, token: str) -> JSONResponse:
    settings = provider.settings
    claims = read_access_token(
        token, provider.signer, issuer=settings.issuer, audience=settings.audience
    )
    # Whose token it is decides which origin may read the answer, a refusal included.
    allow_origins_of(request, provider.clients.load_client(str(claims.get("client_id"))))
    check_access_token_live(claims, provider.signer, provider.revocations, provider.clock.now())
    with provider.store() as store:
        body: dict[str, Any] = userinfo_claims(claims, provider.clients, store)
    return JSONResponse(body, headers=NO_STORE)
