"""HTTP: discovery, JWKS, UserInfo and the end-session (logout) endpoint."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Security
from fastapi.responses import HTMLResponse, JSONResponse, Response

from idp.http import openapi
from idp.http.conditional import conditional_response, etag_of
from idp.http.cors import allow_origins_of
from idp.http.deps import FormDep, OptionalFormDep, ProviderDep, form_protection, get_provider
from idp.http.errors import NO_STORE, html_surface, redirect_to
from idp.http.headers import policy_framing
from idp.http.pages import render_page
from idp.http.session_cookie import clear_session_cookie, current_session
from idp.keys.publication import JWKS_MAX_AGE
from idp.oauth.bearer import check_access_token_live, read_access_token, read_bearer_token
from idp.oauth.parameters import single_valued
from idp.oidc.logout import (
    LOGOUT_PARAMETERS,
    LogoutRequest,
    frame_origins,
    frontchannel_logout_uris,
    read_logout_request,
)
from idp.oidc.userinfo import userinfo_claims
from idp.provider import Provider
from idp.revocation.events import Reason, user_actor
from idp.sessions.sso import SsoSession
from idp.store.repository import SqlStore

router = APIRouter(tags=["OpenID Connect"])

PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}


# Both documents are serialised once, not per request; serving them does no I/O but a
# key-ring refresh every IDP_KEY_CACHE_TTL seconds, so they run on the event loop.
@router.get(
    "/.well-known/openid-configuration",
    summary="Provider metadata (OIDC Discovery)",
    response_class=JSONResponse,
    responses=openapi.NOT_MODIFIED | openapi.unavailable(),
)
async def discovery(request: Request) -> Response:
    provider = await get_provider(request)
    document = provider.discovery_document
    return conditional_response(
        request,
        document,
        etag=etag_of(document),
        media_type="application/json",
        headers=PUBLIC_CACHE,
    )


@router.get(
    "/jwks",
    summary="Public signing keys (RFC 7517)",
    response_class=Response,
    responses=openapi.JWKS | openapi.unavailable(),
)
async def jwks(request: Request) -> Response:
    provider = await get_provider(request)
    document = provider.keyring.jwks_document()
    return conditional_response(
        request,
        document,
        etag=etag_of(document),
        media_type="application/jwk-set+json",
        headers={"Cache-Control": f"public, max-age={JWKS_MAX_AGE}"},
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
        body: dict[str, Any] = userinfo_claims(
            claims, provider.clients, store, provider.user_claims
        )
    return JSONResponse(body, headers=NO_STORE)


logout_router = APIRouter(tags=["End-user pages"], dependencies=[Depends(html_surface)])
LOGOUT_PURPOSE = "logout"
LOGOUT_RESPONSES = (
    openapi.redirect(302, "To the client's registered post_logout_redirect_uri, with state")
    | openapi.html_page("The confirmation page, or the signed-out page (front-channel frames)")
    | openapi.html_errors(400, 500)
    | openapi.unavailable(html=True)
)


@logout_router.get(
    "/logout",
    summary="End-session endpoint (OIDC RP-Initiated Logout 1.0 §2)",
    openapi_extra=openapi.query(*LOGOUT_PARAMETERS, strict=True),
    response_class=HTMLResponse,
    responses=LOGOUT_RESPONSES,
)
def end_session_get(request: Request, provider: ProviderDep) -> Response:
    return _end_session(request, provider, single_valued(request.query_params.multi_items()))


@logout_router.post(
    "/logout",
    summary="End-session endpoint, form-encoded (OIDC RP-Initiated Logout 1.0 §2)",
    openapi_extra=openapi.form_body(*LOGOUT_PARAMETERS, strict=True, body_required=False),
    response_class=HTMLResponse,
    responses=openapi.redirect(303, "To the client's registered post_logout_redirect_uri")
    | LOGOUT_RESPONSES
    | openapi.html_errors(413),
)
def end_session_post(request: Request, provider: ProviderDep, form: OptionalFormDep) -> Response:
    return _end_session(request, provider, form)


@logout_router.post(
    "/logout/confirm",
    summary="Confirm or cancel a logout the user was asked about",
    openapi_extra=openapi.form_body(
        "csrf_token", "decision", "client_id", "post_logout_redirect_uri", "state"
    ),
    response_class=HTMLResponse,
    responses=openapi.redirect(303, "To the client's registered post_logout_redirect_uri")
    | openapi.html_page("The signed-out page (front-channel frames)")
    | openapi.html_errors(400, 403, 413, 500)
    | openapi.unavailable(html=True),
)
def confirm_logout(request: Request, provider: ProviderDep, form: FormDep) -> Response:
    form_protection(provider).check(request, form, LOGOUT_PURPOSE)
    logout = _read_logout(provider, form)
    if form.get("decision") != "logout":
        return _finish(request, provider, logout, signed_out=False)
    with provider.store() as store:
        session = current_session(request, provider, store)
        frames = _end(provider, store, session) if session is not None else []
    return _signed_out(request, provider, logout, frames)


def _end_session(request: Request, provider: Provider, params: dict[str, str]) -> Response:
    logout = _read_logout(provider, params)
    with provider.store() as store:
        session = current_session(request, provider, store)
        trusted = session is not None and logout.trusted_for(session.user_id, session.sid)
        frames = _end(provider, store, session) if session is not None and trusted else []
    if session is None:  # nothing to end, so nothing a forged request could do
        return _finish(request, provider, logout, signed_out=True)
    if trusted:
        return _signed_out(request, provider, logout, frames)
    return form_protection(provider).render_form_page(
        request,
        "logout_confirm.html",
        purpose=LOGOUT_PURPOSE,
        client_name=logout.client.name if logout.client else None,
        fields=logout.to_form(),
    )


def _read_logout(provider: Provider, params: dict[str, str]) -> LogoutRequest:
    return read_logout_request(params, provider.signer, provider.clients, provider.settings.issuer)


def _end(provider: Provider, store: SqlStore, session: SsoSession) -> list[str]:
    """End the session and everything it issued, in the caller's transaction (the
    back channel is told through the outbox); the front-channel pages to frame."""
    frames = _frontchannel_frames(provider, store, session.sid)
    provider.revoker(store, user_actor(session.user_id)).revoke_session(
        session.sid, reason=Reason.LOGOUT, subject=session.user_id
    )
    return frames


def _signed_out(
    request: Request, provider: Provider, logout: LogoutRequest, frames: list[str]
) -> Response:
    response = _finish(request, provider, logout, signed_out=True, frames=frames)
    clear_session_cookie(response, provider)
    # Clear-Site-Data §3.1: the browser drops the cookies of the IdP's registrable domain.
    response.headers["Clear-Site-Data"] = '"cookies"'
    return response


def _frontchannel_frames(provider: Provider, store: SqlStore, sid: str) -> list[str]:
    parties = (provider.clients.load_client(client_id) for client_id in store.session_parties(sid))
    return frontchannel_logout_uris(
        [client for client in parties if client is not None],
        issuer=provider.settings.issuer,
        sid=sid,
    )


def _finish(
    request: Request,
    provider: Provider,
    logout: LogoutRequest,
    *,
    signed_out: bool,
    frames: list[str] | None = None,
) -> Response:
    location = logout.return_location()
    # A declined logout is not sent back as if it had happened: the user is told, and
    # may return by the link.
    if location is not None and signed_out and not frames:
        return redirect_to(location, request.method)
    headers = {"Content-Security-Policy": policy_framing(frame_origins(frames))} if frames else {}
    return render_page(
        "signed_out.html",
        headers=headers,
        signed_out=signed_out,
        frames=frames or [],
        next=location,
        client_name=logout.client.name if logout.client else None,
    )
