"""HTTP: the user's account pages. /account, their hub: who they are, how long this
session has left (GET /account/session, JSON, and "stay signed in"), their second
factors; /account/sessions, where they see the SSO sessions they hold (this browser's
and others) and end any of them, or all; /account/devices, the browsers remembered at
the second factor; setting up and removing the authenticator app; new recovery codes."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup

from idp.account.factors import enrol_app, remove_app
from idp.account.interaction import (
    SESSIONS_PAGE,
    signed_in_recently,
)
from idp.admin.sessions import SessionDirectory, SessionView, list_user_sessions
from idp.authn.devices import forget_devices
from idp.authn.mfa_policy import satisfies_mfa, user_requires_mfa
from idp.authn.totp import TotpError, new_secret, provisioning_uri, qr_code_svg
from idp.authn.users import User
from idp.errors import InvalidRequestError
from idp.http import openapi
from idp.http.account_sign_in import sign_in_to_account
from idp.http.csrf import CsrfCheckFailedError
from idp.http.deps import FormDep, ProviderDep, form_protection
from idp.http.errors import html_surface, redirect_to
from idp.http.headers import policy_with_scripts
from idp.http.pages import render_page
from idp.http.session_cookie import (
    clear_session_cookie,
    current_session,
    session_cookie_value,
)
from idp.provider import Provider
from idp.revocation.events import Reason, user_actor
from idp.sessions.sso import SsoSession, peek_session, stay_signed_in, time_left
from idp.sessions.storage import SessionStore

router = APIRouter(prefix="/account", tags=["End-user pages"], dependencies=[Depends(html_surface)])
PURPOSE = "account-sessions"  # one CSRF purpose for every form of the account pages
ACCOUNT_PAGE = "/account"
DEVICES_PAGE = "/account/devices"
APP_PAGE = "/account/mfa/totp"
REMOVE_APP_PAGE = "/account/mfa/totp/remove"
# The page offers "stay signed in" once this little is left of the idle timeout (s), or
# a quarter of it if that is shorter.
WARN_BEFORE = 300
NO_STORE = {"Cache-Control": "no-store"}
MAX_DEVICE_FIELD = 64  # remembered_devices.device_digest


@dataclass(frozen=True)
class Section:
    """A link on the account page to another account page."""

    path: str
    title: str


# The account pages of other features, linked from the hub.
SECTIONS: tuple[Section, ...] = (
    Section("/account/passkeys", "Passkeys"),
    Section("/account/password", "Change your password"),
)

SESSION_STATE: openapi.Responses = {
    200: {
        "description": "How long this browser's SSO session has left, in seconds: without "
        "use (idle) and in any case (absolute). Asking does not extend it.",
        "headers": {"Cache-Control": {"schema": {"type": "string", "enum": ["no-store"]}}},
        "content": {
            openapi.JSON: {
                "schema": {
                    "type": "object",
                    "required": [
                        "idle_seconds_left",
                        "absolute_seconds_left",
                        "idle_timeout",
                        "expires_at",
                        "extended",
                    ],
                    "properties": {
                        "idle_seconds_left": {"type": "integer", "minimum": 0},
                        "absolute_seconds_left": {"type": "integer", "minimum": 0},
                        "idle_timeout": {"type": "integer", "minimum": 0},
                        "expires_at": {"type": "integer"},
                        "extended": {"type": "boolean"},
                    },
                }
            }
        },
    }
}
NOT_SIGNED_IN: openapi.Responses = {
    401: {
        "description": "No live session in this browser (error not_signed_in)",
        "headers": {"Cache-Control": {"schema": {"type": "string", "enum": ["no-store"]}}},
        "content": {
            openapi.JSON: {
                "schema": {
                    "type": "object",
                    "required": ["error", "error_description"],
                    "properties": {
                        "error": {"type": "string", "enum": ["not_signed_in"]},
                        "error_description": {"type": "string"},
                    },
                }
            }
        },
    }
}


@router.get(
    "",
    summary="The user's account: who they are, this session's time left, their sign-in "
    "methods (signing in first if needed)",
    response_class=HTMLResponse,
    responses=openapi.html_page("The account page")
    | openapi.redirect(302, "To the login page of a new account sign-in")
    | openapi.unavailable(html=True),
)
def account_page(request: Request, provider: ProviderDep) -> Response:
    now = provider.clock.now()
    with provider.store() as store:
        session = current_session(request, provider, store)
        if session is not None:
            user = store.load_user(session.user_id)
            enrolled = store.load_totp_credential(session.user_id) is not None
            codes_left = store.count_unused_recovery_codes(session.user_id)
            devices = store.list_remembered_devices(session.user_id, now)
    if session is None or user is None:
        return sign_in_to_account(request, provider, ACCOUNT_PAGE)
    policy = provider.session_policy
    response = form_protection(provider).render_form_page(
        request,
        "account.html",
        purpose=PURPOSE,
        user=user,
        time_left=time_left(session, policy, now),
        warn_before=min(WARN_BEFORE, policy.idle_timeout // 4),
        enrolled=enrolled,
        recovery_codes_left=codes_left,
        can_renew_codes=enrolled and satisfies_mfa(session.acr),
        mfa_required=user_requires_mfa(user, provider.access),
        remember_device_days=provider.device_cookies.days,
        device_count=len(devices),
        sections=SECTIONS,
    )
    response.headers["Content-Security-Policy"] = policy_with_scripts()
    return response


@router.get(
    "/session",
    summary="How long this browser's SSO session has left (JSON); does not extend it",
    response_class=JSONResponse,
    responses=SESSION_STATE | NOT_SIGNED_IN | openapi.unavailable(html=True),
)
def session_state(request: Request, provider: ProviderDep) -> Response:
    now = provider.clock.now()
    with provider.store() as store:
        # Not current_session: asking how long is left must not count as use.
        session = peek_session(
            store, provider.session_policy, session_cookie_value(request, provider), now
        )
    if session is None:
        return _not_signed_in()
    return _session_json(provider, session, now, extended=False)


@router.post(
    "/session/extend",
    summary="Stay signed in: the idle timeout starts again (never past the absolute one)",
    response_class=HTMLResponse,
    openapi_extra=openapi.form_body("csrf_token"),
    responses=SESSION_STATE
    | openapi.redirect(303, "Back to the account page (a form post without Accept JSON)")
    | NOT_SIGNED_IN
    | openapi.html_errors(400, 403, 413)
    | openapi.unavailable(html=True),
)
def extend_session(request: Request, provider: ProviderDep, form: FormDep) -> Response:
    form_protection(provider).check(request, form, PURPOSE)
    now = provider.clock.now()
    with provider.store() as store:
        session = stay_signed_in(
            store, provider.session_policy, session_cookie_value(request, provider), now
        )
    if session is None:
        return _not_signed_in()
    if "application/json" not in request.headers.get("accept", ""):
        return redirect_to(ACCOUNT_PAGE, request.method)
    return _session_json(provider, session, now, extended=True)


@router.get(
    "/devices",
    summary="The browsers remembered at the second factor (signing in first if needed)",
    response_class=HTMLResponse,
    responses=openapi.html_page("The remembered devices, each with a forget button")
    | openapi.redirect(302, "To the login page of a new account sign-in")
    | openapi.unavailable(html=True),
)
def devices_page(request: Request, provider: ProviderDep) -> Response:
    now = provider.clock.now()
    with provider.store() as store:
        session = current_session(request, provider, store)
        if session is not None:
            devices = store.list_remembered_devices(session.user_id, now)
    if session is None:
        return sign_in_to_account(request, provider, DEVICES_PAGE)
    return form_protection(provider).render_form_page(
        request, "account_devices.html", purpose=PURPOSE, devices=devices
    )


@router.post(
    "/devices/forget",
    summary="Forget one remembered device, or all of them",
    response_class=HTMLResponse,
    openapi_extra=openapi.form_body("csrf_token", "device", "all"),
    responses=openapi.redirect(303, "Back to the remembered devices")
    | openapi.html_errors(400, 403, 413)
    | openapi.unavailable(html=True),
)
def forget_device(request: Request, provider: ProviderDep, form: FormDep) -> Response:
    form_protection(provider).check(request, form, PURPOSE)
    now = provider.clock.now()
    with provider.store() as store:
        session = _signed_in(request, provider, store)
        chosen = None if "all" in form else form.get("device", "")[:MAX_DEVICE_FIELD]
        if chosen is not None and (
            not chosen or store.load_remembered_device(session.user_id, chosen) is None
        ):
            raise InvalidRequestError("no such remembered device of yours", redirectable=False)
        forget_devices(store, session.user_id, chosen, user_actor(session.user_id), now)
    return redirect_to(DEVICES_PAGE, request.method)


@router.get(
    "/mfa/totp",
    summary="Set up an authenticator app (RFC 6238): its QR code and key (after a recent sign-in)",
    response_class=HTMLResponse,
    responses=openapi.html_page("The QR code, the key as text, and the form for the first code")
    | openapi.redirect(302, "To a (recent) sign-in first, or back to the account page")
    | openapi.unavailable(html=True),
)
def app_enrolment_page(request: Request, provider: ProviderDep) -> Response:
    now = provider.clock.now()
    with provider.store() as store:
        session = current_session(request, provider, store)
        user = store.load_user(session.user_id) if session else None
        enrolled = user is not None and store.load_totp_credential(user.id) is not None
    if session is None or user is None or not signed_in_recently(session, now):
        return sign_in_to_account(request, provider, APP_PAGE, fresh=True)
    if enrolled:  # one app at a time: remove it first to replace it
        return redirect_to(ACCOUNT_PAGE, request.method)
    return _enrolment_page(request, provider, user)


@router.post(
    "/mfa/totp",
    summary="Confirm the authenticator app with its first code (or cancel)",
    response_class=HTMLResponse,
    openapi_extra=openapi.form_body("csrf_token", "enrolment", "code", "confirm", "cancel"),
    responses=openapi.html_page("The recovery codes, shown once, and the way back")
    | openapi.redirect(303, "Back to the account page (cancelled, or already set up)")
    | openapi.html_page("The set-up page again: the code is wrong or expired", 401)
    | openapi.html_errors(400, 403, 413)
    | openapi.unavailable(html=True),
)
def enrol_app_route(request: Request, provider: ProviderDep, form: FormDep) -> Response:
    form_protection(provider).check(request, form, PURPOSE)
    if "cancel" in form:
        return redirect_to(ACCOUNT_PAGE, request.method)
    now = provider.clock.now()
    factors = provider.second_factors
    with provider.store() as store:
        session = _signed_in(request, provider, store, recently=True)
        user = store.load_user(session.user_id)
        if user is None or store.load_totp_credential(user.id) is not None:
            return redirect_to(ACCOUNT_PAGE, request.method)
        enrolling = form.get("enrolment", "")
        try:
            secret = factors.open_enrolment(user.id, enrolling, now)
            codes = enrol_app(store, factors, user.id, secret, form.get("code", ""), now)
        except TotpError as error:
            return _enrolment_page(request, provider, user, error=str(error), enrolling=enrolling)
    return render_page("recovery_codes.html", codes=codes, next=ACCOUNT_PAGE)


@router.get(
    "/mfa/totp/remove",
    summary="Ask to confirm removing the authenticator app (after a recent sign-in with it)",
    response_class=HTMLResponse,
    responses=openapi.html_page("The confirmation form")
    | openapi.redirect(302, "To a recent sign-in first, or back to the account page")
    | openapi.unavailable(html=True),
)
def remove_app_page(request: Request, provider: ProviderDep) -> Response:
    now = provider.clock.now()
    with provider.store() as store:
        session = current_session(request, provider, store)
        user = store.load_user(session.user_id) if session else None
        enrolled = user is not None and store.load_totp_credential(user.id) is not None
        passkey = user is not None and store.has_passkey(user.id)
    if session is None or user is None or not _recent_with_app(session, now):
        return sign_in_to_account(request, provider, REMOVE_APP_PAGE, fresh=True)
    if not enrolled:
        return redirect_to(ACCOUNT_PAGE, request.method)
    return form_protection(provider).render_form_page(
        request,
        "account_remove_app.html",
        purpose=PURPOSE,
        mfa_required=user_requires_mfa(user, provider.access),
        passkey=passkey,
    )


@router.post(
    "/mfa/totp/remove",
    summary="Remove the authenticator app, the recovery codes and the remembered devices",
    response_class=HTMLResponse,
    openapi_extra=openapi.form_body("csrf_token", "remove"),
    responses=openapi.redirect(303, "Back to the account page")
    | openapi.html_errors(400, 403, 413)
    | openapi.unavailable(html=True),
)
def remove_app_route(request: Request, provider: ProviderDep, form: FormDep) -> Response:
    form_protection(provider).check(request, form, PURPOSE)
    now = provider.clock.now()
    with provider.store() as store:
        session = _signed_in(request, provider, store)
        if not _recent_with_app(session, now):
            raise RecentSignInRequiredError(
                "sign in again with your authenticator app to remove it", redirectable=False
            )
        if not remove_app(store, session.user_id, now):
            raise InvalidRequestError("no authenticator app is set up", redirectable=False)
    return redirect_to(ACCOUNT_PAGE, request.method)


@router.get(
    "/sessions",
    summary="The user's SSO sessions (signing in first if needed)",
    response_class=HTMLResponse,
    responses=openapi.html_page("The sessions, each with a sign-out button")
    | openapi.redirect(302, "To the login page of a new account sign-in")
    | openapi.unavailable(html=True),
)
def sessions_page(request: Request, provider: ProviderDep) -> Response:
    with provider.store() as store:
        session = current_session(request, provider, store)
        if session is not None:
            views = list_user_sessions(store, session.user_id)
            names = {view.session.sid: _client_names(provider, view) for view in views}
            enrolled = store.load_totp_credential(session.user_id) is not None
    if session is None:
        return sign_in_to_account(request, provider, SESSIONS_PAGE)
    return form_protection(provider).render_form_page(
        request,
        "account_sessions.html",
        purpose=PURPOSE,
        signed_in=True,
        current_sid=session.sid,
        sessions=views,
        client_names=names,
        can_renew_codes=enrolled and satisfies_mfa(session.acr),
    )


@router.post(
    "/sessions/end",
    summary="End one of the user's sessions, or all of them",
    response_class=HTMLResponse,
    openapi_extra=openapi.form_body("csrf_token", "sid", "all"),
    responses=openapi.redirect(303, "Back to the sessions page")
    | openapi.html_errors(400, 403, 413)
    | openapi.unavailable(html=True),
)
def end_sessions(request: Request, provider: ProviderDep, form: FormDep) -> Response:
    form_protection(provider).check(request, form, PURPOSE)
    with provider.store() as store:
        session = current_session(request, provider, store)
        if session is None:
            raise InvalidRequestError("you are not signed in", redirectable=False)
        ended = _sids_to_end(store, session, form)
        revoker = provider.revoker(store, user_actor(session.user_id))
        for sid in ended:
            revoker.revoke_session(sid, reason=Reason.USER, subject=session.user_id)
    response = redirect_to(SESSIONS_PAGE, request.method)
    if session.sid in ended:
        clear_session_cookie(response, provider)
    return response


@router.post(
    "/recovery-codes",
    summary="Replace the user's recovery codes (shown once); the old ones stop working",
    response_class=HTMLResponse,
    openapi_extra=openapi.form_body("csrf_token"),
    responses=openapi.html_page("The new recovery codes, shown once")
    | openapi.html_errors(400, 403, 413)
    | openapi.unavailable(html=True),
)
def renew_recovery_codes(request: Request, provider: ProviderDep, form: FormDep) -> Response:
    form_protection(provider).check(request, form, PURPOSE)
    with provider.store() as store:
        session = current_session(request, provider, store)
        if session is None or not satisfies_mfa(session.acr):
            # Only a session that passed the second factor may replace it.
            raise InvalidRequestError(
                "sign in with your authenticator app to get new recovery codes",
                redirectable=False,
            )
        if store.load_totp_credential(session.user_id) is None:
            raise InvalidRequestError("no authenticator app is set up", redirectable=False)
        codes = provider.second_factors.regenerate_recovery_codes(
            store, session.user_id, provider.clock.now()
        )
    return render_page("recovery_codes.html", codes=codes, next=SESSIONS_PAGE)


class RecentSignInRequiredError(CsrfCheckFailedError):
    """403: the change needs a recent sign-in (NIST SP 800-63B §4.2.3), which a GET of
    the same page asks for."""


def _recent_with_app(session: SsoSession, now: int) -> bool:
    """Signed in within RECENT_SIGN_IN, with the second factor (the account sign-in's
    max_age never lets a remembered device stand in for it)."""
    return signed_in_recently(session, now) and satisfies_mfa(session.acr)


def _signed_in(
    request: Request, provider: Provider, store: SessionStore, *, recently: bool = False
) -> SsoSession:
    session = current_session(request, provider, store)
    if session is None:
        raise InvalidRequestError("you are not signed in", redirectable=False)
    if recently and not signed_in_recently(session, provider.clock.now()):
        raise RecentSignInRequiredError(
            "sign in again (within the last 5 minutes) to change how you sign in",
            redirectable=False,
        )
    return session


def _not_signed_in() -> Response:
    body = {"error": "not_signed_in", "error_description": "no live session in this browser"}
    return JSONResponse(body, status_code=401, headers=NO_STORE)


def _session_json(provider: Provider, session: SsoSession, now: int, *, extended: bool) -> Response:
    left = time_left(session, provider.session_policy, now)
    body = {
        "idle_seconds_left": left.idle,
        "absolute_seconds_left": left.absolute,
        "idle_timeout": provider.session_policy.idle_timeout,
        "expires_at": session.expires_at,
        "extended": extended,
    }
    return JSONResponse(body, headers=NO_STORE)


def _enrolment_page(
    request: Request,
    provider: Provider,
    user: User,
    *,
    error: str | None = None,
    enrolling: str | None = None,
) -> Response:
    """As the sign-in's enrolment page (idp.interaction.routes), posting here."""
    now, factors = provider.clock.now(), provider.second_factors
    try:
        secret = factors.open_enrolment(user.id, enrolling or "", now)
    except TotpError:
        secret = new_secret()
    uri = provisioning_uri(secret, user.username, provider.settings.totp_issuer)
    return form_protection(provider).render_form_page(
        request,
        "mfa_enrolment.html",
        purpose=PURPOSE,
        status_code=401 if error else 200,
        from_account=True,
        client_name="your Tessera account",
        action=APP_PAGE,
        qr_code=Markup(qr_code_svg(uri)),  # noqa: S704 - segno's own markup, no user input
        secret=secret,
        enrolment=factors.seal_enrolment(user.id, secret, now),
        error=error,
    )


def _sids_to_end(store: SessionDirectory, session: SsoSession, form: dict[str, str]) -> list[str]:
    own = [view.session.sid for view in list_user_sessions(store, session.user_id)]
    if "all" in form:
        return own
    sid = form.get("sid")
    if sid not in own:  # gone already, or not this user's: nothing is ended
        raise InvalidRequestError("no such session of yours", redirectable=False)
    return [sid]


def _client_names(provider: Provider, view: SessionView) -> list[str]:
    clients = (provider.clients.load_client(client_id) for client_id in view.parties)
    return [client.name for client in clients if client is not None]
