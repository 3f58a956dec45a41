"""HTTP: the login and consent pages of an interaction, whatever its kind."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from idp.authn.methods import PASSWORD
from idp.authn.throttle import Attempt, Kind, TooManyAttemptsError
from idp.authn.users import User
from idp.errors import InvalidRequestError
from idp.http import openapi
from idp.http.client_address import client_address
from idp.http.deps import FormDep, ProviderDep, form_protection
from idp.http.errors import html_surface, redirect_to
from idp.http.pages import render_page
from idp.http.session_cookie import current_session, session_cookie_value, set_session_cookie
from idp.interaction.flow import Ask, advance
from idp.interaction.model import Interaction, Prompt
from idp.interaction.registry import Completion, Page, Party, Redirect
from idp.interaction.sealing import InteractionNotFoundError
from idp.provider import Provider
from idp.sessions.sso import Device, SsoSession, start_session

router = APIRouter(
    prefix="/interaction", tags=["End-user pages"], dependencies=[Depends(html_surface)]
)
FORM_ERRORS = openapi.html_errors(400, 403, 413) | openapi.unavailable(html=True)

LOGIN_PURPOSE = "login"
CONSENT_PURPOSE = "consent"
LOGIN_FAILED = "The username or password is incorrect."


@router.get(
    "/{sealed}",
    summary="The page a suspended sign-in needs next (login or consent), or its answer",
    response_class=HTMLResponse,
    responses=openapi.html_page("The login or consent page, or a done page")
    | openapi.redirect(302, openapi.INTERACTION_REDIRECT)
    | openapi.html_errors(400)
    | openapi.unavailable(html=True),
)
def show(sealed: str, request: Request, provider: ProviderDep) -> Response:
    now = provider.clock.now()
    interaction = open_interaction(provider, sealed, now)
    handler = provider.interactions.handler(interaction)
    with provider.store() as store:
        session = current_session(request, provider, store)
        outcome = advance(store, handler, interaction, session, now)
    return render_outcome(request, provider, sealed, interaction, outcome)


@router.post(
    "/{sealed}/login",
    summary="Log in with a password (or cancel)",
    response_class=HTMLResponse,
    openapi_extra=openapi.form_body("csrf_token", "username", "password", "login", "cancel"),
    responses=openapi.redirect(303, openapi.INTERACTION_REDIRECT)
    | openapi.html_page("A device's done page, after cancelling")
    | openapi.html_page("The login page again: the username or password is wrong", 401)
    | openapi.throttled_page("The login page again: too many failed attempts, wait")
    | FORM_ERRORS,
)
async def login(sealed: str, request: Request, provider: ProviderDep, form: FormDep) -> Response:
    _check_form(request, provider, form, LOGIN_PURPOSE)
    now = provider.clock.now()
    interaction = open_interaction(provider, sealed, now)
    if "cancel" in form:
        return await run_in_threadpool(_deny, request, provider, interaction)
    username, password = form.get("username", "").strip(), form.get("password", "")
    attempt = Attempt(Kind.PASSWORD, _address(request, provider), account=username)
    try:
        await run_in_threadpool(provider.throttle.check, attempt)
    except TooManyAttemptsError as refused:
        party = await run_in_threadpool(_party, provider, interaction)
        return _too_many_attempts(request, provider, sealed, party, refused, username)
    # Three steps, so that no transaction (and, on SQLite, no write lock) is held while a
    # password is hashed: look the user up, verify, then start the session.
    found = await run_in_threadpool(_load_user, provider, username)
    user = await provider.password_checks.verify(found, password)
    if user is None:
        await run_in_threadpool(provider.throttle.record_failure, attempt)
        party = await run_in_threadpool(_party, provider, interaction)
        return _login_page(
            request, provider, sealed, party, error=LOGIN_FAILED, status=401, username=username
        )
    await run_in_threadpool(provider.throttle.record_success, attempt)
    new_hash = await provider.password_checks.rehash(user, password)
    cookie_value, session = await run_in_threadpool(
        _start_session, request, provider, user, new_hash
    )
    resumed = provider.interaction_seal.seal(
        interaction.authenticated(PASSWORD, session.auth_time), now
    )
    response = redirect_to(f"/interaction/{resumed}", request.method)
    set_session_cookie(response, provider, cookie_value)
    return response


@router.post(
    "/{sealed}/consent",
    summary="Allow or deny what the client asks",
    response_class=HTMLResponse,
    openapi_extra=openapi.form_body("csrf_token", "decision"),
    responses=openapi.redirect(303, openapi.INTERACTION_REDIRECT)
    | openapi.html_page("A device's done page, after denying")
    | FORM_ERRORS,
)
def consent(sealed: str, request: Request, provider: ProviderDep, form: FormDep) -> Response:
    _check_form(request, provider, form, CONSENT_PURPOSE)
    now = provider.clock.now()
    interaction = open_interaction(provider, sealed, now)
    if form.get("decision") != "allow":
        return _deny(request, provider, interaction)
    with provider.store() as store:
        session = current_session(request, provider, store)
        if session is None:
            return redirect_to(f"/interaction/{sealed}", request.method)
        requirements = interaction.requirements
        store.save_consent(session.user_id, requirements.party_id, requirements.consent_scope, now)
    resumed = provider.interaction_seal.seal(interaction.with_consent(), now)
    return redirect_to(f"/interaction/{resumed}", request.method)


def open_interaction(provider: Provider, sealed: str, now: int) -> Interaction:
    try:
        return provider.interaction_seal.open(sealed, now)
    except InteractionNotFoundError:
        raise InvalidRequestError(
            "This sign-in link has expired. Return to the application and start again.",
            redirectable=False,
        ) from None


def render_outcome(
    request: Request,
    provider: Provider,
    sealed: str,
    interaction: Interaction,
    outcome: Completion | Ask,
) -> Response:
    if isinstance(outcome, Redirect):
        return redirect_to(outcome.location, request.method)
    if isinstance(outcome, Page):
        return render_page(outcome.template, **outcome.context)
    if outcome.prompt is Prompt.LOGIN:
        return _login_page(
            request, provider, sealed, outcome.party, username=interaction.requirements.login_hint
        )
    return _consent_page(request, provider, sealed, interaction, outcome.party)


def _check_form(request: Request, provider: Provider, form: dict[str, str], purpose: str) -> None:
    form_protection(provider).check(request, form, purpose)


def _load_user(provider: Provider, username: str) -> User | None:
    with provider.store() as store:
        return store.load_user_by_username(username)


def _party(provider: Provider, interaction: Interaction) -> Party:
    with provider.store() as store:
        return provider.interactions.handler(interaction).load_party(store, interaction)


def _start_session(
    request: Request, provider: Provider, user: User, new_hash: str | None
) -> tuple[str, SsoSession]:
    with provider.store() as store:
        if new_hash:
            store.set_password_hash(user.id, new_hash)
        revoker = provider.revoker(store)
        return start_session(
            store,
            provider.session_policy,
            revoker,
            user_id=user.id,
            method=PASSWORD,
            replaces=session_cookie_value(request, provider),
            device=Device.described(request.headers.get("user-agent"), _address(request, provider)),
        )


def _address(request: Request, provider: Provider) -> str:
    return client_address(request, provider.settings.trusted_proxies)


def _too_many_attempts(
    request: Request,
    provider: Provider,
    sealed: str,
    party: Party,
    refused: TooManyAttemptsError,
    username: str,
) -> Response:
    """RFC 6585 §4 and RFC 9110 §10.2.3; the same words whether the account exists."""
    error = f"Too many failed attempts. Try again in {refused.retry_after} seconds."
    response = _login_page(
        request, provider, sealed, party, error=error, status=429, username=username
    )
    response.headers["Retry-After"] = str(refused.retry_after)
    return response


def _deny(request: Request, provider: Provider, interaction: Interaction) -> Response:
    """The user said no, or cancelled: the protocol tells its party (RFC 6749 §4.1.2.1
    access_denied; a device's next poll, RFC 8628 §3.5)."""
    with provider.store() as store:
        outcome = provider.interactions.handler(interaction).deny(store, interaction)
    if isinstance(outcome, Redirect):
        return redirect_to(outcome.location, request.method)
    return render_page(outcome.template, **outcome.context)


def _login_page(
    request: Request,
    provider: Provider,
    sealed: str,
    party: Party,
    *,
    error: str | None = None,
    status: int = 200,
    username: str | None = None,
) -> Response:
    return form_protection(provider).render_form_page(
        request,
        "login.html",
        purpose=LOGIN_PURPOSE,
        status_code=status,
        client_name=party.name,
        action=f"/interaction/{sealed}/login",
        username=username or "",
        error=error,
    )


def _consent_page(
    request: Request, provider: Provider, sealed: str, interaction: Interaction, party: Party
) -> Response:
    return form_protection(provider).render_form_page(
        request,
        "consent.html",
        purpose=CONSENT_PURPOSE,
        client_name=party.name,
        action=f"/interaction/{sealed}/consent",
        scopes=interaction.requirements.consent_scope,
    )
