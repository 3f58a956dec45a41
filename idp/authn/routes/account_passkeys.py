"""HTTP: /account/passkeys, where users list, add, rename and remove their passkeys
(idp.account.passkeys). The page and its forms are HTML (CSRF-protected forms); adding
is the WebAuthn registration ceremony (L3 §7.1), two JSON calls from the page's script
(idp/web/static/passkeys.js), with the challenge sealed to the session and kept in an
HttpOnly cookie of this browser."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from idp.account.interaction import signed_in_recently
from idp.account.passkeys import (
    PASSKEYS_PAGE,
    check_recent_sign_in,
    record_added,
    remove_passkey,
    rename_passkey,
)
from idp.authn.passkeys import MAX_NAME_LENGTH, Ceremony
from idp.authn.routes.passkeys import (
    JSON_ERRORS,
    MAX_CREDENTIAL_BYTES,
    PUBLIC_KEY_OPTIONS,
    challenge_state,
    forget_challenge,
    json_answer,
    json_body,
    options_response,
)
from idp.errors import AccessDeniedError, InvalidRequestError
from idp.http import openapi
from idp.http.account_sign_in import sign_in_to_account
from idp.http.deps import FormDep, ProviderDep, form_protection
from idp.http.errors import NO_STORE, html_surface, redirect_to
from idp.http.forms import json_object
from idp.http.headers import allow_own_script
from idp.http.session_cookie import current_session
from idp.provider import Provider
from idp.sessions.sso import SsoSession

pages = APIRouter(prefix="/account", tags=["End-user pages"], dependencies=[Depends(html_surface)])
api = APIRouter(prefix="/account", tags=["End-user pages"])
PURPOSE = "account-passkeys"

REGISTRATION: dict[str, Any] = {
    "title": "PasskeyRegistration",
    "type": "object",
    "required": ["name", "credential"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME_LENGTH},
        "credential": {
            "description": "WebAuthn L3 §5.1.4 PublicKeyCredential.toJSON() of a new "
            "credential (RegistrationResponseJSON)",
            "type": "object",
            "required": ["id", "rawId", "type", "response"],
            "properties": {
                "id": {"type": "string"},
                "rawId": {"type": "string"},
                "type": {"type": "string", "enum": ["public-key"]},
                "response": {
                    "type": "object",
                    "required": ["clientDataJSON", "attestationObject"],
                    "properties": {
                        "clientDataJSON": {"type": "string"},
                        "attestationObject": {"type": "string"},
                        "transports": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
    },
}
ADDED: dict[str, Any] = {
    "title": "PasskeyAdded",
    "type": "object",
    "required": ["credential_id", "name"],
    "properties": {"credential_id": {"type": "string"}, "name": {"type": "string"}},
}
ACCOUNT_ERRORS = JSON_ERRORS | {
    401: {
        "description": "access_denied: not signed in",
        "headers": {"Cache-Control": openapi.oauth_errors(400)[400]["headers"]["Cache-Control"]},
        "content": {openapi.JSON: {"schema": openapi.OAUTH_ERROR_SCHEMA}},
    }
}
ACCOUNT_ERRORS[403] = {
    **JSON_ERRORS[403],
    "description": "access_denied: the last sign-in is not recent (sign in again), or the "
    "new passkey was refused (bad attestation, origin, RP ID, flags, or registered already)",
}


class NotSignedInError(AccessDeniedError):
    status_code = 401


@pages.get(
    "/passkeys",
    summary="The user's passkeys: add, rename, remove (signing in first if needed)",
    response_class=HTMLResponse,
    responses=openapi.html_page("The passkeys, each with rename and remove forms")
    | openapi.redirect(302, "To the login page of a new account sign-in")
    | openapi.unavailable(html=True),
)
def passkeys_page(request: Request, provider: ProviderDep) -> Response:
    return _page(request, provider)


@pages.get(
    "/passkeys/confirm",
    summary="Sign in again (a recent sign-in), then back to the passkeys",
    response_class=HTMLResponse,
    responses=openapi.redirect(302, "To the login page of a new account sign-in"),
)
def confirm(request: Request, provider: ProviderDep) -> Response:
    return sign_in_to_account(request, provider, PASSKEYS_PAGE, fresh=True)


@pages.post(
    "/passkeys/rename",
    summary="Rename one of the user's passkeys",
    response_class=HTMLResponse,
    openapi_extra=openapi.form_body("csrf_token", "credential_id", "name"),
    responses=openapi.redirect(303, "Back to the passkeys page")
    | openapi.html_errors(400, 403, 413)
    | openapi.unavailable(html=True),
)
def rename(request: Request, provider: ProviderDep, form: FormDep) -> Response:
    form_protection(provider).check(request, form, PURPOSE)
    with provider.store() as store:
        session = _session(request, provider, store)
        rename_passkey(store, session.user_id, form.get("credential_id", ""), form.get("name", ""))
    return redirect_to(PASSKEYS_PAGE, request.method)


@pages.post(
    "/passkeys/remove",
    summary="Remove one of the user's passkeys (after a recent sign-in)",
    response_class=HTMLResponse,
    openapi_extra=openapi.form_body("csrf_token", "credential_id"),
    responses=openapi.redirect(303, "Back to the passkeys page, or to sign in again first")
    | openapi.html_errors(400, 403, 413)
    | openapi.unavailable(html=True),
)
def remove(request: Request, provider: ProviderDep, form: FormDep) -> Response:
    form_protection(provider).check(request, form, PURPOSE)
    now = provider.clock.now()
    with provider.store() as store:
        session = _session(request, provider, store)
        if not signed_in_recently(session, now):
            return sign_in_to_account(request, provider, PASSKEYS_PAGE, fresh=True)
        remove_passkey(store, session, form.get("credential_id", ""), now)
    return redirect_to(PASSKEYS_PAGE, request.method)


@api.post(
    "/passkeys/options",
    summary="Options to add a passkey (WebAuthn L3 §5.4), after a recent sign-in",
    response_class=JSONResponse,
    responses=json_answer(PUBLIC_KEY_OPTIONS, "For navigator.credentials.create()")
    | ACCOUNT_ERRORS,
)
def registration_options(request: Request, provider: ProviderDep) -> Response:
    now = provider.clock.now()
    with provider.store() as store:
        session = _session(request, provider, store, json=True)
        check_recent_sign_in(session, now)
        user = store.load_user(session.user_id)
        existing = store.list_passkeys(session.user_id)
    if user is None:
        raise NotSignedInError("you are not signed in", redirectable=False)
    options = provider.passkeys.registration_options(user, existing, _binding(session), now)
    return options_response(provider, options.public_key, options.state)


@api.post(
    "/passkeys",
    summary="Add a passkey (WebAuthn L3 §7.1): its name and the new credential",
    response_class=JSONResponse,
    status_code=201,
    openapi_extra=json_body(REGISTRATION),
    responses=json_answer(ADDED, "Added", 201) | ACCOUNT_ERRORS,
)
async def register(request: Request, provider: ProviderDep) -> Response:
    body = await json_object(request, MAX_CREDENTIAL_BYTES)
    return await run_in_threadpool(_register, request, provider, body)


def _register(request: Request, provider: Provider, body: dict[str, Any]) -> Response:
    credential, name = body.get("credential"), body.get("name")
    if not isinstance(credential, dict) or not isinstance(name, str):
        raise InvalidRequestError("give the passkey's name and credential", redirectable=False)
    now, ceremonies = provider.clock.now(), provider.passkeys
    with provider.store() as store:
        session = _session(request, provider, store, json=True)
        check_recent_sign_in(session, now)
        user = store.load_user(session.user_id)
        if user is None:
            raise NotSignedInError("you are not signed in", redirectable=False)
        state = challenge_state(request, provider)
        challenge = ceremonies.open_challenge(
            store, state, Ceremony.REGISTRATION, _binding(session), now
        )
        passkey = ceremonies.verify_registration(store, challenge, user, credential, name, now)
        record_added(store, passkey, now)
    response = JSONResponse(
        {"credential_id": passkey.credential_id, "name": passkey.name},
        status_code=201,
        headers=NO_STORE,
    )
    forget_challenge(response, provider)
    return response


def _page(request: Request, provider: Provider) -> Response:
    now = provider.clock.now()
    with provider.store() as store:
        session = current_session(request, provider, store)
        passkeys = store.list_passkeys(session.user_id) if session else []
    if session is None:
        return sign_in_to_account(request, provider, PASSKEYS_PAGE, fresh=False)
    page = form_protection(provider).render_form_page(
        request,
        "account_passkeys.html",
        purpose=PURPOSE,
        passkeys=passkeys,
        recent=signed_in_recently(session, now),
        max_name_length=MAX_NAME_LENGTH,
    )
    return allow_own_script(page)


def _session(request: Request, provider: Provider, store: Any, *, json: bool = False) -> SsoSession:
    session = current_session(request, provider, store)
    if session is None:
        if json:
            raise NotSignedInError("you are not signed in", redirectable=False)
        raise InvalidRequestError("you are not signed in", redirectable=False)
    return session


def _binding(session: SsoSession) -> str:
    return f"{Ceremony.REGISTRATION}:{session.sid}"
