"""HTTP: the authorization endpoint and the token endpoint."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from idp.http.deps import FormDep, ProviderDep
from idp.http.errors import HTML_SURFACE, NO_STORE, redirect_to
from idp.http.forms import query_params
from idp.http.session_cookie import current_session
from idp.interaction.flow import CodeIssued, advance, start_interaction
from idp.oauth.authorization import (
    authorization_response_uri,
    validate_authorization_request,
)
from idp.oauth.token_endpoint import TokenEndpointContext, handle_token_request
from idp.provider import Provider


def html_surface(request: Request) -> None:
    request.state.surface = HTML_SURFACE


router = APIRouter(tags=["OAuth 2.0"])
authorize_router = APIRouter(tags=["OAuth 2.0"], dependencies=[Depends(html_surface)])

AUTHORIZE_PARAMETERS = [
    {
        "name": name,
        "in": "query",
        "required": name in ("client_id", "response_type"),
        "schema": {"type": "string"},
    }
    for name in (
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "prompt",
        "max_age",
        "login_hint",
        "code_challenge",
        "code_challenge_method",
    )
]
TOKEN_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["grant_type"],
                    "properties": {
                        name: {"type": "string"}
                        for name in (
                            "grant_type",
                            "code",
                            "redirect_uri",
                            "code_verifier",
                            "client_id",
                            "client_secret",
                            "client_assertion_type",
                            "client_assertion",
                        )
                    },
                }
            }
        },
    }
}


@authorize_router.get(
    "/authorize",
    summary="Authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2)",
    openapi_extra={"parameters": AUTHORIZE_PARAMETERS},
    response_class=Response,
)
def authorize_get(request: Request, provider: ProviderDep) -> Response:
    return _authorize(request, provider, query_params(request))


@authorize_router.post(
    "/authorize",
    summary="Authorization endpoint, form-encoded (OIDC Core §3.1.2.1)",
    response_class=Response,
)
def authorize_post(
    request: Request,
    provider: ProviderDep,
    form: FormDep,
) -> Response:
    return _authorize(request, provider, form)


def _authorize(request: Request, provider: Provider, params: dict[str, str]) -> Response:
    settings, now = provider.settings, provider.clock.now()
    with provider.store() as store:
        authz_request, client = validate_authorization_request(params, store)
        session = current_session(request, provider, store)
        outcome = advance(
            store,
            authz_request,
            client,
            session,
            None,
            now=now,
            code_ttl=settings.authorization_code_ttl,
        )
        if isinstance(outcome, CodeIssued):
            code = {"code": outcome.code}
            location = authorization_response_uri(authz_request, code, settings.issuer)
        else:
            interaction = start_interaction(store, authz_request, now, settings.interaction_ttl)
            location = f"/interaction/{interaction.id}"
    return redirect_to(location, request.method)


@router.post(
    "/token",
    summary="Token endpoint (RFC 6749 §3.2, OIDC Core §3.1.3)",
    openapi_extra=TOKEN_FORM,
)
def token(
    request: Request,
    provider: ProviderDep,
    form: FormDep,
) -> JSONResponse:
    with provider.store() as store:
        ctx = TokenEndpointContext(
            stores=store,
            tokens=provider.tokens,
            audience=provider.assertion_audience,
            now=provider.clock.now(),
        )
        body = handle_token_request(form, request.headers.get("authorization"), ctx)
    # RFC 6749 §5.1: Cache-Control no-store, Pragma no-cache.
    return JSONResponse(body, headers=NO_STORE)
