"""HTTP: the login and consent pages of an interaction."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from idp.authn.login import authenticate_password
from idp.errors import AccessDeniedError, InvalidRequestError
from idp.http.csrf import check_csrf, render_form_page
from idp.http.deps import FormDep, ProviderDep
from idp.http.errors import html_surface, redirect_to
from idp.http.pages import render_page
from idp.http.rate_limit import FailureLimiter
from idp.http.session_cookie import current_session, session_cookie_value, set_session_cookie
from idp.interaction.flow import (
    CodeIssued,
    DeviceApproved,
    Interaction,
    InteractionNotFoundError,
    InvalidUserCodeError,
    advance,
    finish_interaction,
    load_interaction,
    start_device_interaction,
    update_interaction,
)
from idp.oauth.authorization import Step, authorization_response_uri
from idp.oauth.clients import Client
from idp.oauth.grants import DeviceStatus
from idp.provider import Provider
from idp.sessions.sso import start_session
from idp.store.repository import SqlStore

router = APIRouter(
    prefix="/interaction",
    tags=["End-user pages"],
    dependencies=[Depends(html_surface)],
    include_in_schema=False,
)

device_router = APIRouter(
    prefix="/device",
    tags=["End-user pages"],
    dependencies=[Depends(html_surface)],
    include_in_schema=False,
)

LOGIN_PURPOSE = "login"
DEVICE_PURPOSE = "device"
# RFC 8628 §5.1: user codes are short, so guessing them must be rate limited.
user_code_failures = FailureLimiter(max_failures=10, window=60)
CONSENT_PURPOSE = "consent"
PASSWORD_AMR = ["pwd"]  # RFC 8176 §2
PASSWORD_ACR = "urn:tessera:acr:password"


@router.get("/{interaction_id}")
def show(interaction_id: str, request: Request, provider: ProviderDep) -> Response:
    now = provider.clock.now()
    with provider.store() as store:
        interaction, client = _load(store, interaction_id, now)
        session = current_session(request, provider, store)
        outcome = advance(
            store,
            interaction.request,
            client,
            session,
            interaction,
            now=now,
            code_ttl=provider.settings.authorization_code_ttl,
        )
    if isinstance(outcome, DeviceApproved):
        return render_page("device_done.html", client_name=client.name, approved=True)
    if isinstance(outcome, CodeIssued):
        location = authorization_response_uri(
            interaction.request, {"code": outcome.code}, provider.settings.issuer
        )
        return redirect_to(location, request.method)
    if outcome is Step.LOGIN:
        return _login_page(request, provider, interaction, client)
    return _consent_page(request, provider, interaction, client)


@router.post("/{interaction_id}/login")
def login(
    interaction_id: str,
    request: Request,
    provider: ProviderDep,
    form: FormDep,
) -> Response:
    now, settings = provider.clock.now(), provider.settings
    check_csrf(
        request,
        form.get("csrf_token"),
        key=provider.csrf_key,
        secure=provider.settings.secure_cookies,
        purpose=LOGIN_PURPOSE,
    )
    with provider.store() as store:
        interaction, client = _load(store, interaction_id, now)
        if "cancel" in form:
            return _deny(store, interaction, client, "the user cancelled the login")
        user = authenticate_password(store, form.get("username", ""), form.get("password", ""))
        if user is None:
            error = "The username or password is incorrect."
            return _login_page(
                request,
                provider,
                interaction,
                client,
                error=error,
                status=401,
                username=form.get("username", ""),
            )
        cookie_value, session = start_session(
            store,
            provider.session_policy,
            user_id=user.id,
            amr=PASSWORD_AMR,
            acr=PASSWORD_ACR,
            now=now,
            replaces=session_cookie_value(request, provider),
        )
        update_interaction(
            store, interaction, now, settings.interaction_ttl, logged_in_at=session.auth_time
        )
    response = redirect_to(f"/interaction/{interaction_id}", request.method)
    set_session_cookie(response, provider, cookie_value)
    return response


@router.post("/{interaction_id}/consent")
def consent(
    interaction_id: str,
    request: Request,
    provider: ProviderDep,
    form: FormDep,
) -> Response:
    now, settings = provider.clock.now(), provider.settings
    check_csrf(
        request,
        form.get("csrf_token"),
        key=provider.csrf_key,
        secure=provider.settings.secure_cookies,
        purpose=CONSENT_PURPOSE,
    )
    with provider.store() as store:
        interaction, client = _load(store, interaction_id, now)
        session = current_session(request, provider, store)
        if session is None:
            return redirect_to(f"/interaction/{interaction_id}", request.method)
        if form.get("decision") != "allow":
            return _deny(store, interaction, client, "the user denied the request")
        store.save_consent(
            session.user_id,
            interaction.request.client_id,
            interaction.request.scope,
            now,
        )
        update_interaction(store, interaction, now, settings.interaction_ttl, consented=True)
    return redirect_to(f"/interaction/{interaction_id}", request.method)


def _load(store: SqlStore, interaction_id: str, now: int) -> tuple[Interaction, Client]:
    try:
        interaction = load_interaction(store, interaction_id, now)
    except InteractionNotFoundError:
        raise InvalidRequestError(
            "This sign-in link has expired. Return to the application and start again.",
            redirectable=False,
        ) from None
    client = store.load_client(interaction.request.client_id)
    if client is None:
        raise InvalidRequestError("unknown client", redirectable=False)
    return interaction, client


def _deny(store: SqlStore, interaction: Interaction, client: Client, debug: str) -> Response:
    """The user said no: access_denied to the client (RFC 6749 §4.1.2.1), or, for a
    device, a denied authorization its next poll reports (RFC 8628 §3.5)."""
    finish_interaction(store, interaction)
    if interaction.device_code_digest:
        store.decide_device_authorization(interaction.device_code_digest, DeviceStatus.DENIED, None)
        return render_page("device_done.html", client_name=client.name, approved=False)
    error = AccessDeniedError("the resource owner denied the request", debug=debug)
    raise error.redirected_to(interaction.request.redirect_uri, interaction.request.state)


def _login_page(
    request: Request,
    provider: Provider,
    interaction: Interaction,
    client: Client,
    *,
    error: str | None = None,
    status: int = 200,
    username: str | None = None,
) -> Response:
    return render_form_page(
        request,
        "login.html",
        key=provider.csrf_key,
        secure=provider.settings.secure_cookies,
        purpose=LOGIN_PURPOSE,
        status_code=status,
        client_name=client.name,
        action=f"/interaction/{interaction.id}/login",
        username=username if username is not None else interaction.request.login_hint or "",
        error=error,
    )


def _consent_page(
    request: Request, provider: Provider, interaction: Interaction, client: Client
) -> Response:
    return render_form_page(
        request,
        "consent.html",
        key=provider.csrf_key,
        secure=provider.settings.secure_cookies,
        purpose=CONSENT_PURPOSE,
        client_name=client.name,
        action=f"/interaction/{interaction.id}/consent",
        scopes=interaction.request.scope,
    )


@device_router.get("")
def device_page(request: Request, provider: ProviderDep, user_code: str = "") -> Response:
    """RFC 8628 §3.3: where the user types the code the device shows."""
    return _device_page(request, provider, user_code=user_code)


@device_router.post("")
def device_submit(request: Request, provider: ProviderDep, form: FormDep) -> Response:
    check_csrf(
        request,
        form.get("csrf_token"),
        key=provider.csrf_key,
        secure=provider.settings.secure_cookies,
        purpose=DEVICE_PURPOSE,
    )
    caller = request.client.host if request.client else "unknown"
    if user_code_failures.blocked(caller):
        return _device_page(
            request, provider, error="Too many attempts. Wait a minute.", status=429
        )
    now, ttl = provider.clock.now(), provider.settings.interaction_ttl
    with provider.store() as store:
        try:
            interaction = start_device_interaction(store, form.get("user_code", ""), now, ttl)
        except InvalidUserCodeError:
            user_code_failures.record_failure(caller)
            error = "That code is not valid. Check the code on your device and try again."
            return _device_page(
                request, provider, error=error, status=400, user_code=form.get("user_code", "")
            )
    return redirect_to(f"/interaction/{interaction.id}", request.method)


def _device_page(
    request: Request,
    provider: Provider,
    *,
    error: str | None = None,
    status: int = 200,
    user_code: str = "",
) -> Response:
    return render_form_page(
        request,
        "device.html",
        key=provider.csrf_key,
        secure=provider.settings.secure_cookies,
        purpose=DEVICE_PURPOSE,
        status_code=status,
        action="/device",
        user_code=user_code,
        error=error,
    )
