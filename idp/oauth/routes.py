"""HTTP: the authorization, token, introspection, revocation, device authorization and
pushed authorization request endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Depends, Request, Security
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from idp.authn.throttle import Attempt, Kind, TooManyAttemptsError
from idp.authz.cache import NotInMemory
from idp.http import openapi
from idp.http.client_address import client_address
from idp.http.cors import allow_origins_of
from idp.http.deps import FormDep, ProviderDep, form_protection, get_provider
from idp.http.errors import NO_STORE, html_surface, redirect_to
from idp.http.forms import form_pairs, form_params
from idp.http.openapi import CLIENT_AUTH, form_body, query
from idp.http.session_cookie import current_session
from idp.http.threads import on_loop_or_thread
from idp.interaction.flow import advance
from idp.interaction.model import Interaction
from idp.interaction.registry import Redirect
from idp.oauth.authorization import validate_authorization_request
from idp.oauth.authorization_interaction import authorization_interaction
from idp.oauth.client_auth import PresentedCredentials
from idp.oauth.clients import Client
from idp.oauth.device import device_authorization_response, start_device_authorization
from idp.oauth.device_approval import InvalidUserCodeError, device_interaction
from idp.oauth.introspection import (
    JWT_RESPONSE_TYPE,
    check_may_introspect,
    introspect,
    introspection_jwt,
)
from idp.oauth.introspection import served_from_memory as introspection_served_from_memory
from idp.oauth.par import (
    REQUEST_URI_PREFIX,
    push_authorization_request,
    resolve_pushed_request,
)
from idp.oauth.parameters import check_not_repeated, check_parameter, first_values
from idp.oauth.token_context import TokenContext
from idp.oauth.token_endpoint import authenticate, handle_token_request
from idp.oauth.token_endpoint import served_from_memory as token_served_from_memory
from idp.oauth.token_revocation import revoke_token
from idp.provider import NO_STORAGE, Provider
from idp.store.repository import SqlStore

router = APIRouter(tags=["OAuth 2.0"])
authorize_router = APIRouter(tags=["OAuth 2.0"], dependencies=[Depends(html_surface)])

AUTHORIZATION_PARAMETERS = (
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
    "resource",
    "request_uri",
)
TOKEN_PARAMETERS = (
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "scope",
    "resource",
    "device_code",
    "subject_token",
    "subject_token_type",
    "actor_token",
    "actor_token_type",
    "requested_token_type",
    "audience",
    *CLIENT_AUTH,
)


@authorize_router.get(
    "/authorize",
    summary="Authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2, RFC 9126 §4)",
    openapi_extra=query(*AUTHORIZATION_PARAMETERS, required=("client_id",), strict=True),
    response_class=Response,
    status_code=302,
    responses=openapi.redirect(302, openapi.AUTHORIZATION_REDIRECT)
    | openapi.html_errors(400, 500)
    | openapi.unavailable(html=True),
)
def authorize_get(request: Request, provider: ProviderDep) -> Response:
    return _authorize(request, provider, request.query_params.multi_items())


@authorize_router.post(
    "/authorize",
    summary="Authorization endpoint, form-encoded (OIDC Core §3.1.2.1)",
    openapi_extra=form_body(*AUTHORIZATION_PARAMETERS, required=("client_id",), strict=True),
    response_class=Response,
    status_code=303,
    responses=openapi.redirect(303, openapi.AUTHORIZATION_REDIRECT)
    | openapi.html_errors(400, 413, 500)
    | openapi.unavailable(html=True),
)
async def authorize_post(request: Request, provider: ProviderDep) -> Response:
    pairs = await form_pairs(request, provider.settings.max_body_bytes)
    return await run_in_threadpool(_authorize, request, provider, pairs)


def _authorize(request: Request, provider: Provider, pairs: list[tuple[str, str]]) -> Response:
    now = provider.clock.now()
    params, repeated = first_values(pairs)
    with provider.store() as store:
        pushed = params.get("request_uri", "").startswith(REQUEST_URI_PREFIX)
        if pushed:
            check_not_repeated(repeated)
            params = resolve_pushed_request(store, params, now)
        authz_request, _client = validate_authorization_request(
            params, provider.clients, pushed=pushed, repeated=repeated
        )
        interaction = authorization_interaction(authz_request)
        handler = provider.interactions.handler(interaction)
        session = current_session(request, provider, store)
        outcome = advance(store, handler, interaction, session, now, provider.access)
    if isinstance(outcome, Redirect):
        return redirect_to(outcome.location, request.method)
    # Nothing is stored until the user acts: the request travels sealed in the URL.
    return redirect_to(suspend(provider, interaction, now), request.method)


def suspend(provider: Provider, interaction: Interaction, now: int) -> str:
    return f"/interaction/{provider.interaction_seal.seal(interaction, now)}"


def _presented(request: Request, form: dict[str, str]) -> PresentedCredentials:
    return PresentedCredentials(form, request.headers.get("authorization"))


@contextmanager
def _authenticated(
    provider: Provider, presented: PresentedCredentials
) -> Iterator[tuple[SqlStore, Client, TokenContext]]:
    """One transaction for a request from an authenticated client (RFC 6749 §2.3)."""
    with provider.store() as store:
        ctx = provider.token_context(store)
        yield store, authenticate(presented, ctx), ctx


def _allow_cors(request: Request, provider: Provider, client_id: str | None) -> None:
    """For a script of one of the client's web origins (idp.http.cors); an error about
    the client's own request is its to read too. Only if a browser asks."""
    if client_id is not None and "origin" in request.headers:
        allow_origins_of(request, provider.clients.load_client(client_id))


def _in_memory(provider: Provider, client_id: str | None, declared: bool) -> bool:
    """The core declared the request needs no storage, and this node holds the client."""
    return declared and client_id is not None and provider.clients.holds(client_id)


@router.post(
    "/token",
    summary="Token endpoint (RFC 6749 §3.2, RFC 8628 §3.4, RFC 8693 §2)",
    openapi_extra=form_body(*TOKEN_PARAMETERS, required=("grant_type",), strict=True)
    | openapi.HEADER_OPTIONAL,
    dependencies=[Security(openapi.CLIENT_SECRET_BASIC)],
    responses=openapi.oauth_errors(400, 401, 413, 500) | openapi.unavailable(),
)
async def token(request: Request) -> JSONResponse:
    # The hottest endpoint: no dependency injection, parsed by hand.
    provider = await get_provider(request)
    form = await form_params(request, provider.settings.max_body_bytes)
    presented = _presented(request, form)
    client_id = presented.claimed_client_id
    in_memory = _in_memory(provider, client_id, token_served_from_memory(form))

    def run() -> dict[str, Any]:
        _allow_cors(request, provider, client_id)
        if in_memory:
            return handle_token_request(presented, provider.token_context(NO_STORAGE))
        with provider.store() as store:
            return handle_token_request(presented, provider.token_context(store))

    body = await on_loop_or_thread(run, in_memory=in_memory)
    # RFC 6749 §5.1: Cache-Control no-store, Pragma no-cache.
    return JSONResponse(body, headers=NO_STORE)


@router.post(
    "/introspect",
    summary="Token introspection (RFC 7662, RFC 9701)",
    openapi_extra=form_body(
        "token", "token_type_hint", *CLIENT_AUTH, required=("token",), strict=True
    )
    | openapi.HEADER_OPTIONAL,
    dependencies=[Security(openapi.CLIENT_SECRET_BASIC)],
    responses=openapi.INTROSPECTION
    | openapi.oauth_errors(400, 401, 413, 500)
    | openapi.unavailable(),
)
async def introspection(request: Request) -> Response:
    provider = await get_provider(request)
    form = await form_params(request, provider.settings.max_body_bytes)
    settings = provider.settings
    presented = _presented(request, form)
    in_memory = _in_memory(
        provider, presented.claimed_client_id, introspection_served_from_memory(form)
    )

    def answer(ctx: TokenContext) -> tuple[Client, dict[str, Any]]:
        client = authenticate(presented, ctx)
        check_may_introspect(client)
        return client, introspect(form, client, ctx)

    def from_memory() -> tuple[Client, dict[str, Any]]:
        return answer(provider.token_context(NO_STORAGE))

    def from_storage() -> tuple[Client, dict[str, Any]]:
        with provider.store() as store:
            return answer(provider.token_context(store))

    try:
        client, body = await on_loop_or_thread(
            from_memory if in_memory else from_storage, in_memory=in_memory
        )
    except NotInMemory:
        # The claim mapping needs a user (or client) this node does not hold in memory.
        client, body = await on_loop_or_thread(from_storage, in_memory=False)
    if f"application/{JWT_RESPONSE_TYPE}" in request.headers.get("accept", ""):
        now = provider.clock.now()
        jwt_body = introspection_jwt(body, client, provider.signer, settings.issuer, now)
        return Response(jwt_body, media_type=f"application/{JWT_RESPONSE_TYPE}", headers=NO_STORE)
    return JSONResponse(body, headers=NO_STORE)


# Dispatched ahead of the router by idp.http.direct_routes.DirectRoutes.
DIRECT_ROUTES = {("POST", "/token"): token, ("POST", "/introspect"): introspection}


@router.post(
    "/revoke",
    summary="Token revocation (RFC 7009)",
    openapi_extra=form_body(
        "token", "token_type_hint", *CLIENT_AUTH, required=("token",), strict=True
    )
    | openapi.HEADER_OPTIONAL,
    dependencies=[Security(openapi.CLIENT_SECRET_BASIC)],
    response_class=Response,
    responses=openapi.REVOKED | openapi.oauth_errors(400, 401, 413, 500) | openapi.unavailable(),
)
def revocation(request: Request, provider: ProviderDep, form: FormDep) -> Response:
    presented = _presented(request, form)
    _allow_cors(request, provider, presented.claimed_client_id)
    with _authenticated(provider, presented) as (_store, client, ctx):
        revoke_token(form, client, ctx)
    return Response(status_code=200, headers=NO_STORE)  # RFC 7009 §2.2


@router.post(
    "/device_authorization",
    summary="Device authorization endpoint (RFC 8628 §3.1)",
    openapi_extra=form_body("scope", "resource", *CLIENT_AUTH, strict=True)
    | openapi.HEADER_OPTIONAL,
    dependencies=[Security(openapi.CLIENT_SECRET_BASIC)],
    responses=openapi.oauth_errors(400, 401, 413, 500) | openapi.unavailable(),
)
def device_authorization(request: Request, provider: ProviderDep, form: FormDep) -> JSONResponse:
    with _authenticated(provider, _presented(request, form)) as (store, client, ctx):
        device_code, auth = start_device_authorization(store, form, client, ctx.now)
    body = device_authorization_response(
        device_code, auth, provider.settings.endpoint("/device"), ctx.now
    )
    return JSONResponse(body, headers=NO_STORE)


@router.post(
    "/par",
    status_code=201,
    summary="Pushed authorization request endpoint (RFC 9126 §2)",
    openapi_extra=form_body(
        *AUTHORIZATION_PARAMETERS[:-1],
        *CLIENT_AUTH,
        required=("response_type", "redirect_uri", "scope"),
        strict=True,
    )
    | openapi.HEADER_OPTIONAL,
    dependencies=[Security(openapi.CLIENT_SECRET_BASIC)],
    responses=openapi.oauth_errors(400, 401, 413, 500) | openapi.unavailable(),
)
def pushed_authorization_request(
    request: Request, provider: ProviderDep, form: FormDep
) -> JSONResponse:
    with _authenticated(provider, _presented(request, form)) as (store, client, ctx):
        body: dict[str, Any] = push_authorization_request(
            store, provider.clients, form, client, ctx.now
        )
    return JSONResponse(body, status_code=201, headers=NO_STORE)


device_router = APIRouter(
    prefix="/device", tags=["End-user pages"], dependencies=[Depends(html_surface)]
)
DEVICE_PURPOSE = "device"


@device_router.get(
    "",
    summary="Where the user types the code a device shows (RFC 8628 §3.3)",
    response_class=HTMLResponse,
    responses=openapi.html_page("The code entry page") | openapi.html_errors(400),
)
def device_page(request: Request, provider: ProviderDep, user_code: str = "") -> Response:
    """RFC 8628 §3.3: where the user types the code the device shows."""
    check_parameter("user_code", user_code)
    return _device_page(request, provider, user_code=user_code)


@device_router.post(
    "",
    summary="The code the user typed (RFC 8628 §3.3)",
    response_class=HTMLResponse,
    openapi_extra=openapi.form_body("csrf_token", "user_code"),
    responses=openapi.redirect(303, openapi.INTERACTION_REDIRECT)
    | openapi.html_page("The code entry page again: the code is not valid", 400)
    | openapi.throttled_page("The code entry page again: too many wrong codes, wait")
    | openapi.html_errors(403, 413)
    | openapi.unavailable(html=True),
)
def device_submit(request: Request, provider: ProviderDep, form: FormDep) -> Response:
    form_protection(provider).check(request, form, DEVICE_PURPOSE)
    # RFC 8628 §5.1: user codes are short, so guessing them must be rate limited.
    attempt = Attempt(Kind.USER_CODE, client_address(request, provider.settings.trusted_proxies))
    try:
        provider.throttle.check(attempt)
    except TooManyAttemptsError as refused:
        error = f"Too many failed attempts. Try again in {refused.retry_after} seconds."
        retry_after = {"Retry-After": str(refused.retry_after)}  # RFC 6585 §4
        return _device_page(request, provider, error=error, status=429, headers=retry_after)
    now = provider.clock.now()
    with provider.store() as store:
        try:
            interaction = device_interaction(store, form.get("user_code", ""), now)
        except InvalidUserCodeError:
            provider.throttle.record_failure(attempt)
            error = "That code is not valid. Check the code on your device and try again."
            return _device_page(
                request, provider, error=error, status=400, user_code=form.get("user_code", "")
            )
    return redirect_to(suspend(provider, interaction, now), request.method)


def _device_page(
    request: Request,
    provider: Provider,
    *,
    error: str | None = None,
    status: int = 200,
    user_code: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    response = form_protection(provider).render_form_page(
        request,
        "device.html",
        purpose=DEVICE_PURPOSE,
        status_code=status,
        action="/device",
        user_code=user_code,
        error=error,
    )
    response.headers.update(headers or {})
    return response
