"""HTTP: signing in with a passkey (WebAuthn L3 §7.2, idp.authn.passkeys), as the first
factor without a password (a discoverable credential, user verification required) or
as the second factor after one. JSON endpoints that the login and second-factor pages'
script (idp/web/static/passkeys.js) calls: the options for navigator.credentials.get(),
then the credential it returned.

The challenge's sealed state is kept in an HttpOnly cookie (bound to this browser) and
sealed to the interaction's URL (bound to this sign-in). The JSON bodies need no CSRF
token: a cross-site page can send neither this content type without a CORS preflight
nor an assertion over our origin (the browser writes the origin into clientDataJSON)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from idp.authn.passkeys import CHALLENGE_TTL, Ceremony, PasskeyRefusedError
from idp.authn.throttle import Attempt, Kind, TooManyAttemptsError
from idp.authn.users import User
from idp.errors import InvalidRequestError, ProtocolError, TooManyRequestsError
from idp.http import openapi
from idp.http.client_address import client_address
from idp.http.cookies import cookie_name as cookie_name_of
from idp.http.cookies import delete_cookie, set_cookie
from idp.http.deps import ProviderDep
from idp.http.errors import NO_STORE
from idp.http.forms import json_object
from idp.http.session_cookie import current_session
from idp.interaction.flow import signing_in
from idp.interaction.model import Interaction
from idp.interaction.routes import (
    bound_to_browser,
    first_factor_done,
    open_interaction,
    second_factor_done,
    set_sign_in_cookies,
)
from idp.provider import Provider
from idp.secret import digest

router = APIRouter(prefix="/interaction", tags=["End-user pages"])
CHALLENGE_COOKIE = "webauthn"
MAX_CREDENTIAL_BYTES = 16384  # an assertion is a few hundred bytes; an attestation ~1 KiB

# The OpenAPI description of what these endpoints take and answer.
PUBLIC_KEY_OPTIONS: dict[str, Any] = {
    "title": "CredentialOptions",
    "description": "{publicKey: PublicKeyCredentialRequestOptionsJSON or "
    "PublicKeyCredentialCreationOptionsJSON} (WebAuthn L3 §5.4, §5.5, base64url "
    "encoded), for PublicKeyCredential.parseRequestOptionsFromJSON() and friends",
    "type": "object",
    "required": ["publicKey"],
    "properties": {"publicKey": {"type": "object"}},
}
ASSERTION: dict[str, Any] = {
    "title": "AuthenticationResponseJSON",
    "description": "WebAuthn L3 §5.1.4 PublicKeyCredential.toJSON() of an assertion",
    "type": "object",
    "required": ["id", "rawId", "type", "response"],
    "properties": {
        "id": {"type": "string"},
        "rawId": {"type": "string"},
        "type": {"type": "string", "enum": ["public-key"]},
        "response": {
            "type": "object",
            "required": ["clientDataJSON", "authenticatorData", "signature"],
            "properties": {
                "clientDataJSON": {"type": "string"},
                "authenticatorData": {"type": "string"},
                "signature": {"type": "string"},
                "userHandle": {"type": "string"},
            },
        },
        "authenticatorAttachment": {"type": "string"},
        "clientExtensionResults": {"type": "object"},
    },
}
NEXT: dict[str, Any] = {
    "title": "NextStep",
    "type": "object",
    "required": ["location"],
    "properties": {"location": {"type": "string", "format": "uri-reference"}},
}
JSON_ERRORS = openapi.oauth_errors(400, 403, 413, 429, 503)
JSON_ERRORS[403]["description"] = (
    "access_denied: the passkey was refused (unknown, another account's, a bad signature, "
    "origin, RP ID or flags, or a sign count that went backwards: a possible clone)"
)
JSON_ERRORS[429]["description"] = "invalid_request: too many failed attempts, wait"
JSON_ERRORS[429]["headers"]["Retry-After"] = {
    "description": "Seconds to wait before trying again (RFC 9110 §10.2.3)",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
}


def json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {openapi.JSON: {"schema": schema}}}}


def json_answer(schema: dict[str, Any], description: str, status: int = 200) -> openapi.Responses:
    return {status: {"description": description, "content": {openapi.JSON: {"schema": schema}}}}


@router.post(
    "/{sealed}/passkey/options",
    summary="Options to sign in with a passkey (WebAuthn L3 §5.5), no password",
    response_class=JSONResponse,
    responses=json_answer(PUBLIC_KEY_OPTIONS, "For navigator.credentials.get()") | JSON_ERRORS,
)
def sign_in_options(sealed: str, request: Request, provider: ProviderDep) -> Response:
    now = provider.clock.now()
    open_interaction(provider, sealed, now)
    options = provider.passkeys.authentication_options(
        Ceremony.SIGN_IN, _binding(Ceremony.SIGN_IN, sealed), now
    )
    return options_response(provider, options.public_key, options.state)


@router.post(
    "/{sealed}/passkey",
    summary="Sign in with a passkey (WebAuthn L3 §7.2): the assertion",
    response_class=JSONResponse,
    openapi_extra=json_body(ASSERTION),
    responses=json_answer(NEXT, "Signed in (a session cookie): where the sign-in goes on")
    | JSON_ERRORS,
)
async def sign_in(sealed: str, request: Request, provider: ProviderDep) -> Response:
    credential = await json_object(request, MAX_CREDENTIAL_BYTES)
    interaction = open_interaction(provider, sealed, provider.clock.now())
    return await run_in_threadpool(_sign_in, request, provider, sealed, interaction, credential)


def _sign_in(
    request: Request,
    provider: Provider,
    sealed: str,
    interaction: Interaction,
    credential: dict[str, Any],
) -> Response:
    now, ceremonies = provider.clock.now(), provider.passkeys
    attempt = Attempt(Kind.PASSKEY, _address(request, provider))
    with provider.store() as store:
        state, binding = _state(request, provider), _binding(Ceremony.SIGN_IN, sealed)
        challenge = ceremonies.open_challenge(store, state, Ceremony.SIGN_IN, binding, now)
        with _counted(provider, attempt) as counted:
            passkey = ceremonies.find_credential(store, credential)
            if passkey is not None:  # the credential names the account: count it too
                counted.attempt = Attempt(Kind.PASSKEY, attempt.address, account=passkey.user_id)
            counted.check()
            verified = ceremonies.verify_assertion(store, challenge, passkey, credential, now)
            user = store.load_user(verified.passkey.user_id)
            if user is None or user.disabled:
                raise PasskeyRefusedError("this account cannot sign in")
    redirect = first_factor_done(request, provider, interaction, user, verified.method)
    return _as_json(provider, redirect)


@router.post(
    "/{sealed}/second-factor/passkey/options",
    summary="Options to confirm a sign-in with one of the user's passkeys (second factor)",
    response_class=JSONResponse,
    responses=json_answer(PUBLIC_KEY_OPTIONS, "For navigator.credentials.get()") | JSON_ERRORS,
)
def second_factor_options(sealed: str, request: Request, provider: ProviderDep) -> Response:
    now = provider.clock.now()
    interaction = bound_to_browser(request, provider, open_interaction(provider, sealed, now))
    with provider.store() as store:
        user = _signing_in(request, provider, store, interaction)
        passkeys = store.list_passkeys(user.id)
    if not passkeys:
        raise InvalidRequestError("this account has no passkey", redirectable=False)
    options = provider.passkeys.authentication_options(
        Ceremony.SECOND_FACTOR,
        _binding(Ceremony.SECOND_FACTOR, sealed),
        now,
        user_id=user.id,
        allowed=passkeys,
    )
    return options_response(provider, options.public_key, options.state)


@router.post(
    "/{sealed}/second-factor/passkey",
    summary="Confirm a sign-in with a passkey (second factor): the assertion",
    response_class=JSONResponse,
    openapi_extra=json_body(ASSERTION),
    responses=json_answer(NEXT, "Signed in (a session cookie): where the sign-in goes on")
    | JSON_ERRORS,
)
async def second_factor(sealed: str, request: Request, provider: ProviderDep) -> Response:
    credential = await json_object(request, MAX_CREDENTIAL_BYTES)
    now = provider.clock.now()
    interaction = bound_to_browser(request, provider, open_interaction(provider, sealed, now))
    return await run_in_threadpool(
        _second_factor, request, provider, sealed, interaction, credential
    )


def _second_factor(
    request: Request,
    provider: Provider,
    sealed: str,
    interaction: Interaction,
    credential: dict[str, Any],
) -> Response:
    now, ceremonies = provider.clock.now(), provider.passkeys
    with provider.store() as store:
        user = _signing_in(request, provider, store, interaction)
        challenge = ceremonies.open_challenge(
            store,
            _state(request, provider),
            Ceremony.SECOND_FACTOR,
            _binding(Ceremony.SECOND_FACTOR, sealed),
            now,
        )
        if challenge.user_id != user.id:
            raise InvalidRequestError("this passkey request was for another sign-in")
        with _counted(provider, Attempt(Kind.PASSKEY, _address(request, provider), user.id)) as c:
            c.check()
            passkey = ceremonies.find_credential(store, credential)
            verified = ceremonies.verify_assertion(
                store, challenge, passkey, credential, now, user_id=user.id
            )
        cookie_value, location = second_factor_done(
            request, provider, store, interaction, user, verified.method
        )
    response = _next(provider, location)
    set_sign_in_cookies(response, provider, cookie_value)
    return response


class _Counted:
    """A passkey attempt under the throttle (idp.authn.throttle): checked, then its
    failure (any refusal) or success recorded."""

    def __init__(self, provider: Provider, attempt: Attempt) -> None:
        self.provider, self.attempt = provider, attempt

    def check(self) -> None:
        try:
            self.provider.throttle.check(self.attempt)
        except TooManyAttemptsError as refused:
            error = TooManyRequestsError(
                f"Too many failed attempts. Try again in {refused.retry_after} seconds.",
                redirectable=False,
            )
            error.retry_after = refused.retry_after  # RFC 6585 §4, RFC 9110 §10.2.3
            raise error from None

    def __enter__(self) -> _Counted:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: object, tb: object) -> None:
        if kind is None:
            self.provider.throttle.record_success(self.attempt)
        elif issubclass(kind, ProtocolError) and not issubclass(kind, TooManyRequestsError):
            self.provider.throttle.record_failure(self.attempt)


def _counted(provider: Provider, attempt: Attempt) -> _Counted:
    return _Counted(provider, attempt)


def options_response(provider: Provider, public_key: dict[str, Any], state: str) -> Response:
    """The options, and their challenge's sealed state in this browser's cookie."""
    response = JSONResponse({"publicKey": public_key}, headers=NO_STORE)
    set_cookie(
        response,
        CHALLENGE_COOKIE,
        state,
        secure=provider.settings.secure_cookies,
        max_age=CHALLENGE_TTL,
    )
    return response


def challenge_state(request: Request, provider: Provider) -> str | None:
    return _state(request, provider)


def forget_challenge(response: Response, provider: Provider) -> None:
    delete_cookie(response, CHALLENGE_COOKIE, secure=provider.settings.secure_cookies)


def _state(request: Request, provider: Provider) -> str | None:
    name = cookie_name_of(CHALLENGE_COOKIE, provider.settings.secure_cookies)
    return request.cookies.get(name)


def _binding(ceremony: Ceremony, sealed: str) -> str:
    return f"{ceremony}:{digest(sealed)}"


def _signing_in(request: Request, provider: Provider, store: Any, interaction: Interaction) -> User:
    user = signing_in(store, interaction, current_session(request, provider, store))
    if user is None:
        raise InvalidRequestError(
            "no sign-in awaits a second factor here; start again", redirectable=False
        )
    return user


def _as_json(provider: Provider, redirect: Response) -> Response:
    """first_factor_done's redirect as the JSON the page's script follows, with its
    cookies (the new session, or the partial sign-in's binding)."""
    response = _next(provider, redirect.headers["location"])
    for value in redirect.headers.getlist("set-cookie"):
        response.headers.append("set-cookie", value)
    return response


def _next(provider: Provider, location: str) -> Response:
    response = JSONResponse({"location": location}, headers=NO_STORE)
    forget_challenge(response, provider)
    return response


def _address(request: Request, provider: Provider) -> str:
    return client_address(request, provider.settings.trusted_proxies)
