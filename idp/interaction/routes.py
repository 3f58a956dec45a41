"""HTTP: the login and consent pages of an interaction."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from idp.authn.login import authenticate_password
from idp.errors import AccessDeniedError, InvalidRequestError
from idp.http.csrf import check_csrf, render_form_page
from idp.http.deps import FormDep, ProviderDep
from idp.http.errors import HTML_SURFACE, redirect_to
from idp.http.session_cookie import current_session, session_cookie_value, set_session_cookie
from idp.interaction.flow import (
    CodeIssued,
    Interaction,
    InteractionNotFoundError,
    advance,
    finish_interaction,
    load_interaction,
    update_interaction,
)
from idp.oauth.authorization import Step, authorization_response_uri
from idp.oauth.clients import Client
from idp.provider import Provider
from idp.sessions.sso import start_session
from idp.store.repository import SqlStore


def html_surface(request: Request) -> None:
    request.state.surface = HTML_SURFACE


router = APIRouter(
    prefix="/interaction",
    tags=["End-user pages"],
    dependencies=[Depends(html_surface)],
    include_in_schema=False,
)

LOGIN_PURPOSE = "login"
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
    check_csrf(request, form.get("csrf_token"), provider.csrf_key, LOGIN_PURPOSE)
    with provider.store() as store:
        interaction, client = _load(store, interaction_id, now)
        if "cancel" in form:
            finish_interaction(store, interaction)
            raise _denied(interaction, "the user cancelled the login")
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
    check_csrf(request, form.get("csrf_token"), provider.csrf_key, CONSENT_PURPOSE)
    with provider.store() as store:
        interaction, _client = _load(store, interaction_id, now)
        session = current_session(request, provider, store)
        if session is None:
            return redirect_to(f"/interaction/{interaction_id}", request.method)
        if form.get("decision") != "allow":
            finish_interaction(store, interaction)
            raise _denied(interaction, "the user denied the request")
        store.save_consent(
            session.user_id,
            interaction.request.client_id,
            frozenset(interaction.request.scope),
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


def _denied(interaction: Interaction, debug: str) -> AccessDeniedError:
    error = AccessDeniedError("the resource owner denied the request", debug=debug)
    error.bind_redirect(interaction.request.redirect_uri, interaction.request.state)
    return error


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
        purpose=CONSENT_PURPOSE,
        client_name=client.name,
        action=f"/interaction/{interaction.id}/consent",
        scopes=interaction.request.scope,
    )
