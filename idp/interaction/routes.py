"""HTTP: the login and consent pages of an interaction, whatever its kind."""

from __future__ import annotations

from typing import Protocol

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from idp.authn.devices import after_second_factor
from idp.authn.methods import PASSWORD, TOTP, AuthenticationMethod, first_factor_named
from idp.authn.mfa_policy import satisfies_mfa
from idp.authn.risk import record_assessment
from idp.authn.throttle import Attempt, Kind, TooManyAttemptsError
from idp.authn.totp import TotpError, new_secret, provisioning_uri, qr_code_svg
from idp.authn.users import User
from idp.errors import InvalidRequestError
from idp.http import openapi
from idp.http.client_address import client_address
from idp.http.cookies import cookie_name, delete_cookie, set_cookie
from idp.http.deps import FormDep, ProviderDep, form_protection
from idp.http.device_cookie import device_evidence, set_device_cookie
from idp.http.errors import html_surface, redirect_to
from idp.http.headers import allow_own_script
from idp.http.pages import render_page
from idp.http.session_cookie import current_session, session_cookie_value, set_session_cookie
from idp.interaction.flow import Ask, InteractionStores, advance, second_factor, signing_in
from idp.interaction.model import Interaction, Prompt
from idp.interaction.prompts import SecondFactor
from idp.interaction.registry import Completion, Page, Party, Redirect
from idp.interaction.sealing import InteractionNotFoundError
from idp.provider import Provider
from idp.revocation.storage import RevocationStore
from idp.secret import digest, matches_digest, new_token
from idp.sessions.sso import Device, SsoSession, start_session
from idp.sessions.storage import SessionStore

router = APIRouter(
    prefix="/interaction", tags=["End-user pages"], dependencies=[Depends(html_surface)]
)
FORM_ERRORS = openapi.html_errors(400, 403, 413) | openapi.unavailable(html=True)

LOGIN_PURPOSE = "login"
CONSENT_PURPOSE = "consent"
SECOND_FACTOR_PURPOSE = "second_factor"
ENROLMENT_PURPOSE = "mfa_enrolment"
LOGIN_FAILED = "The username or password is incorrect."
PASSKEY_NEEDED = "This application asks you to confirm with a passkey."
# Binds a sign-in whose second factor is owed to the browser that gave the password.
PENDING_COOKIE = "pending_sign_in"


class SignInStores(InteractionStores, SessionStore, RevocationStore, Protocol):
    """What finishing a sign-in reads and writes: the second factor and a new session."""


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
    interaction = bound_to_browser(request, provider, open_interaction(provider, sealed, now))
    handler = provider.interactions.handler(interaction)
    with provider.store() as store:
        session = current_session(request, provider, store)
        outcome = advance(
            store,
            handler,
            interaction,
            session,
            now,
            provider.access,
            device_evidence(request, provider),
        )
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
    # Three steps, so that no transaction (and, on SQLite, no write lock) is held while a
    # password is hashed: the throttle and the user, the password, then the outcome.
    try:
        found = await run_in_threadpool(_admitted_user, provider, attempt, username)
    except TooManyAttemptsError as refused:
        party = await run_in_threadpool(_party, provider, interaction)
        return _too_many_attempts(request, provider, sealed, party, refused, username)
    user = await provider.password_checks.verify(found, password)
    if user is None:
        party = await run_in_threadpool(_login_failed, provider, attempt, interaction)
        return _login_page(
            request, provider, sealed, party, error=LOGIN_FAILED, status=401, username=username
        )
    new_hash = await provider.password_checks.rehash(user, password)
    return await run_in_threadpool(
        _password_accepted, request, provider, attempt, interaction, user, new_hash
    )


def _admitted_user(provider: Provider, attempt: Attempt, username: str) -> User | None:
    """The account the form names, once the throttle lets the attempt through."""
    provider.throttle.check(attempt)
    return _load_user(provider, username)


def _login_failed(provider: Provider, attempt: Attempt, interaction: Interaction) -> Party:
    provider.throttle.record_failure(attempt)
    return _party(provider, interaction)


def _password_accepted(
    request: Request,
    provider: Provider,
    attempt: Attempt,
    interaction: Interaction,
    user: User,
    new_hash: str | None,
) -> Response:
    provider.throttle.record_success(attempt)
    if new_hash:
        _save_password_hash(provider, user, new_hash)
    return first_factor_done(request, provider, interaction, user, PASSWORD)


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


@router.post(
    "/{sealed}/second-factor",
    summary="Give the second factor: a TOTP code (RFC 6238) or a recovery code (or cancel)",
    response_class=HTMLResponse,
    openapi_extra=openapi.form_body("csrf_token", "code", "remember_device", "verify", "cancel"),
    responses=openapi.redirect(303, openapi.INTERACTION_REDIRECT)
    | openapi.html_page("A device's done page, after cancelling")
    | openapi.html_page("The code page again: the code is wrong, used or expired", 401)
    | openapi.throttled_page("The code page again: too many wrong codes, wait")
    | FORM_ERRORS,
)
def second_factor_code(
    sealed: str, request: Request, provider: ProviderDep, form: FormDep
) -> Response:
    _check_form(request, provider, form, SECOND_FACTOR_PURPOSE)
    now = provider.clock.now()
    interaction = bound_to_browser(request, provider, open_interaction(provider, sealed, now))
    if "cancel" in form:
        return _deny(request, provider, interaction)
    with provider.store() as store:
        party = provider.interactions.handler(interaction).load_party(store, interaction)
        user = _signing_in(request, provider, store, interaction)
        if user is None:  # nobody to verify: the interaction page says what is next
            return redirect_to(f"/interaction/{sealed}", request.method)
        factor = second_factor(store, interaction, party, user, provider.access)
        if factor.phishing_resistant:  # a code cannot reach urn:tessera:acr:phr
            return _second_factor_page(
                request, provider, sealed, party, error=PASSKEY_NEEDED, factor=factor
            )
        attempt = Attempt(Kind.SECOND_FACTOR, _address(request, provider), account=user.id)
        try:
            provider.throttle.check(attempt)
            method = provider.second_factors.verify(store, user.id, form.get("code", ""), now)
        except TooManyAttemptsError as refused:
            return _second_factor_page(
                request,
                provider,
                sealed,
                party,
                error=_wait_message(refused),
                refused=refused,
                factor=factor,
            )
        except TotpError as error:
            provider.throttle.record_failure(attempt)
            return _second_factor_page(
                request, provider, sealed, party, error=str(error), factor=factor
            )
        provider.throttle.record_success(attempt)
        cookie_value, location = _complete_sign_in(
            request, provider, store, interaction, user, method
        )
        device_cookie = _remember_device(request, provider, store, user, form, now)
    response = redirect_to(location, request.method)
    _set_session_cookies(response, provider, cookie_value)
    if device_cookie is not None:
        set_device_cookie(response, provider, device_cookie)
    return response


@router.post(
    "/{sealed}/enrolment",
    summary="Set up an authenticator app (RFC 6238) with its first code (or cancel)",
    response_class=HTMLResponse,
    openapi_extra=openapi.form_body("csrf_token", "enrolment", "code", "confirm", "cancel"),
    responses=openapi.html_page("The recovery codes, shown once, and the way on")
    | openapi.redirect(303, openapi.INTERACTION_REDIRECT)
    | openapi.html_page("The enrolment page again: the code is wrong or expired", 401)
    | FORM_ERRORS,
)
def enrolment(sealed: str, request: Request, provider: ProviderDep, form: FormDep) -> Response:
    _check_form(request, provider, form, ENROLMENT_PURPOSE)
    now = provider.clock.now()
    interaction = bound_to_browser(request, provider, open_interaction(provider, sealed, now))
    if "cancel" in form:
        return _deny(request, provider, interaction)
    factors = provider.second_factors
    with provider.store() as store:
        party = provider.interactions.handler(interaction).load_party(store, interaction)
        user = _signing_in(request, provider, store, interaction)
        if user is None or store.load_totp_credential(user.id) is not None:
            return redirect_to(f"/interaction/{sealed}", request.method)
        enrolling = form.get("enrolment", "")
        try:
            secret = factors.open_enrolment(user.id, enrolling, now)
            codes = factors.enrol(store, user.id, secret, form.get("code", ""), now)
        except TotpError as error:
            return _enrolment_page(
                request, provider, sealed, party, user, error=str(error), enrolling=enrolling
            )
        cookie_value, location = _complete_sign_in(
            request, provider, store, interaction, user, TOTP
        )
    page = render_page("recovery_codes.html", codes=codes, next=location)
    _set_session_cookies(page, provider, cookie_value)
    return page


def bound_to_browser(request: Request, provider: Provider, interaction: Interaction) -> Interaction:
    """A partial sign-in continues only in the browser that gave the password."""
    binding = interaction.authentication.binding
    if binding is None:
        return interaction
    value = request.cookies.get(cookie_name(PENDING_COOKIE, provider.settings.secure_cookies))
    if value and matches_digest(value, binding):
        return interaction
    return interaction.without_pending()


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
    if outcome.prompt is Prompt.SECOND_FACTOR:
        return _second_factor_page(
            request, provider, sealed, outcome.party, factor=outcome.second_factor
        )
    if outcome.prompt is Prompt.ENROLMENT and outcome.user is not None:
        return _enrolment_page(request, provider, sealed, outcome.party, outcome.user)
    return _consent_page(request, provider, sealed, interaction, outcome.party)


def _check_form(request: Request, provider: Provider, form: dict[str, str], purpose: str) -> None:
    form_protection(provider).check(request, form, purpose)


def _load_user(provider: Provider, username: str) -> User | None:
    with provider.store() as store:
        return store.load_user_by_username(username)


def _party(provider: Provider, interaction: Interaction) -> Party:
    with provider.store() as store:
        return provider.interactions.handler(interaction).load_party(store, interaction)


def first_factor_done(
    request: Request,
    provider: Provider,
    interaction: Interaction,
    user: User,
    method: AuthenticationMethod,
) -> Response:
    """``user`` gave a first factor (``method``, one of idp.authn.methods.FIRST_FACTORS)
    in this interaction: a new session, or, when a second factor is owed, none yet and
    the interaction bound to this browser. Every sign-in method ends here."""
    now = provider.clock.now()
    with provider.store() as store:
        party = provider.interactions.handler(interaction).load_party(store, interaction)
        factor = second_factor(
            store,
            interaction,
            party,
            user,
            provider.access,
            device_evidence(request, provider),
            now,
        )
        if factor.assessment is not None and not satisfies_mfa(method.acr):
            record_assessment(store, user.id, factor.assessment, skipped=factor.skipped, now=now)
        if not factor.satisfied_by(method.acr):
            return _await_second_factor(request, provider, interaction, user, method)
        cookie_value, session = _new_session(request, provider, store, user, method)
    resumed = interaction.authenticated(method, session.auth_time)
    location = f"/interaction/{provider.interaction_seal.seal(resumed, now)}"
    response = redirect_to(location, request.method)
    _set_session_cookies(response, provider, cookie_value)
    return response


def _save_password_hash(provider: Provider, user: User, new_hash: str) -> None:
    with provider.store() as store:
        store.set_password_hash(user.id, new_hash)


def _new_session(
    request: Request,
    provider: Provider,
    store: SignInStores,
    user: User,
    method: AuthenticationMethod,
) -> tuple[str, SsoSession]:
    return start_session(
        store,
        provider.session_policy,
        provider.revoker(store),
        user_id=user.id,
        method=method,
        replaces=session_cookie_value(request, provider),
        device=Device.described(request.headers.get("user-agent"), _address(request, provider)),
    )


def _await_second_factor(
    request: Request,
    provider: Provider,
    interaction: Interaction,
    user: User,
    first: AuthenticationMethod,
) -> Response:
    """The first factor is right and a second factor is owed: no session yet, only the
    interaction, bound to this browser by a cookie."""
    now = provider.clock.now()
    binding = new_token()
    pending = interaction.awaiting_second_factor(first, user.id, digest(binding), now)
    location = f"/interaction/{provider.interaction_seal.seal(pending, now)}"
    response = redirect_to(location, request.method)
    set_cookie(
        response,
        PENDING_COOKIE,
        binding,
        secure=provider.settings.secure_cookies,
        max_age=provider.settings.interaction_ttl,
    )
    return response


def _signing_in(
    request: Request, provider: Provider, store: SignInStores, interaction: Interaction
) -> User | None:
    return signing_in(store, interaction, current_session(request, provider, store))


def _complete_sign_in(
    request: Request,
    provider: Provider,
    store: SignInStores,
    interaction: Interaction,
    user: User,
    second: AuthenticationMethod,
) -> tuple[str, str]:
    """Both factors done: a new session (a new id at the privilege change) and where the
    interaction goes on. The first is the one this interaction recorded, or, in a
    step-up, the one the current session was signed in with."""
    method = _first_factor(request, provider, store, interaction).then(second)
    cookie_value, session = _new_session(request, provider, store, user, method)
    resumed = interaction.authenticated(method, session.auth_time)
    return (
        cookie_value,
        f"/interaction/{provider.interaction_seal.seal(resumed, session.auth_time)}",
    )


def _first_factor(
    request: Request, provider: Provider, store: SignInStores, interaction: Interaction
) -> AuthenticationMethod:
    authentication = interaction.authentication
    if authentication.pending_user is not None:
        return first_factor_named(authentication.methods[-1])
    session = current_session(request, provider, store)
    if session is None:  # _signing_in found the user through one of the two
        raise InvalidRequestError("This sign-in has ended; start again.", redirectable=False)
    return AuthenticationMethod.of_session(session.amr, session.acr)


def _remember_device(
    request: Request,
    provider: Provider,
    store: SignInStores,
    user: User,
    form: dict[str, str],
    now: int,
) -> str | None:
    """After the second factor: the browser's remembered device learns this network, or
    the browser is remembered if the user ticked the box (idp.authn.risk)."""
    return after_second_factor(
        store,
        provider.device_cookies,
        device_evidence(request, provider),
        user_id=user.id,
        user_agent=Device.described(request.headers.get("user-agent"), None).user_agent,
        remember=form.get("remember_device") == "1",
        now=now,
    )


def _set_session_cookies(response: Response, provider: Provider, cookie_value: str) -> None:
    set_session_cookie(response, provider, cookie_value)
    delete_cookie(response, PENDING_COOKIE, secure=provider.settings.secure_cookies)


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
    response = _login_page(
        request,
        provider,
        sealed,
        party,
        error=_wait_message(refused),
        status=429,
        username=username,
    )
    response.headers["Retry-After"] = str(refused.retry_after)
    return response


def _wait_message(refused: TooManyAttemptsError) -> str:
    return f"Too many failed attempts. Try again in {refused.retry_after} seconds."


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
    page = form_protection(provider).render_form_page(
        request,
        "login.html",
        purpose=LOGIN_PURPOSE,
        status_code=status,
        client_name=party.name,
        action=f"/interaction/{sealed}/login",
        username=username or "",
        error=error,
        passkey_path=f"/interaction/{sealed}/passkey",
        **_mail_links(provider, sealed),
    )
    return allow_own_script(page)  # passkeys.js: "Sign in with a passkey"


def _mail_links(provider: Provider, sealed: str) -> dict[str, str]:
    """The login page's links to the mailed sign-in link and the password reset
    (idp.authn.routes.magic_links and .passwords), where they are on."""
    settings, links = provider.settings, {}
    if provider.mail is not None and settings.magic_links:
        links["magic_link"] = f"/interaction/{sealed}/magic-link"
    if provider.mail is not None and settings.password_reset:
        links["forgot_password"] = f"/password-reset?interaction={sealed}"
    return links


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


def _second_factor_page(
    request: Request,
    provider: Provider,
    sealed: str,
    party: Party,
    *,
    error: str | None = None,
    refused: TooManyAttemptsError | None = None,
    factor: SecondFactor | None = None,
) -> Response:
    """The code page (and the passkey, when the user has one: idp.authn.routes.passkeys);
    after a wrong code 401, after too many 429 with Retry-After."""
    factor = factor or SecondFactor(totp=True)
    response = form_protection(provider).render_form_page(
        request,
        "second_factor.html",
        purpose=SECOND_FACTOR_PURPOSE,
        status_code=429 if refused else 401 if error else 200,
        client_name=party.name,
        action=f"/interaction/{sealed}/second-factor",
        error=error,
        passkey=factor.passkey,
        passkey_path=f"/interaction/{sealed}/second-factor/passkey",
        code=factor.totp and not factor.phishing_resistant,
        remember_device_days=provider.device_cookies.days,
    )
    allow_own_script(response)  # passkeys.js, when the user has a passkey
    if refused is not None:
        response.headers["Retry-After"] = str(refused.retry_after)  # RFC 6585 §4
    return response


def _enrolment_page(
    request: Request,
    provider: Provider,
    sealed: str,
    party: Party,
    user: User,
    *,
    error: str | None = None,
    enrolling: str | None = None,
) -> Response:
    """The QR code and the secret as text; after a wrong code, the same secret again
    (while its enrolment lasts), so the app that scanned it keeps working."""
    now, factors = provider.clock.now(), provider.second_factors
    try:
        secret = factors.open_enrolment(user.id, enrolling or "", now)
    except TotpError:
        secret = new_secret()
    uri = provisioning_uri(secret, user.username, provider.settings.totp_issuer)
    return form_protection(provider).render_form_page(
        request,
        "mfa_enrolment.html",
        purpose=ENROLMENT_PURPOSE,
        status_code=401 if error else 200,
        client_name=party.name,
        action=f"/interaction/{sealed}/enrolment",
        qr_code=Markup(qr_code_svg(uri)),  # noqa: S704 - segno's own markup, no user input
        secret=secret,
        enrolment=factors.seal_enrolment(user.id, secret, now),
        error=error,
    )


def second_factor_done(
    request: Request,
    provider: Provider,
    store: SignInStores,
    interaction: Interaction,
    user: User,
    second: AuthenticationMethod,
) -> tuple[str, str]:
    """For the routes of other second factors (idp/authn/routes/): both factors done, a
    new session; its cookie value and where the interaction goes on."""
    return _complete_sign_in(request, provider, store, interaction, user, second)


def set_sign_in_cookies(response: Response, provider: Provider, cookie_value: str) -> None:
    """The new session's cookie, and the partial sign-in's cookie gone."""
    _set_session_cookies(response, provider, cookie_value)
