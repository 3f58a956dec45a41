"""HTTP: /account/sessions, where users see the SSO sessions they hold (this browser's
and others) and end any of them, or all; and where they get new recovery codes."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from idp.account.interaction import SESSIONS_PAGE, account_interaction
from idp.admin.sessions import SessionDirectory, SessionView, list_user_sessions
from idp.authn.mfa_policy import satisfies_mfa
from idp.errors import InvalidRequestError
from idp.http import openapi
from idp.http.deps import FormDep, ProviderDep, form_protection
from idp.http.errors import html_surface, redirect_to
from idp.http.pages import render_page
from idp.http.session_cookie import clear_session_cookie, current_session
from idp.provider import Provider
from idp.revocation.events import Reason, user_actor
from idp.sessions.sso import SsoSession

router = APIRouter(prefix="/account", tags=["End-user pages"], dependencies=[Depends(html_surface)])
PURPOSE = "account-sessions"


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
        sealed = provider.interaction_seal.seal(account_interaction(), provider.clock.now())
        return redirect_to(f"/interaction/{sealed}", request.method)
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
