"""HTTP for passwords the user sets: the account's password change (/account/password)
and the self-service reset by a mailed link (/password-reset).

A new password meets idp.authn.passwords.PasswordPolicy (NIST SP 800-63B-4 §3.1.1.2).
A change asks for the current password and a recent sign-in (NIST SP 800-63B §4.2.3
reauthentication: idp.account.interaction.RECENT_SIGN_IN); a reset asks for a mailed,
single-use, short-lived link (OWASP Forgot Password Cheat Sheet), and answers the
request the same whether the account exists. Either ends everything the user holds
(ASVS 5 §7.4.3, CAEP credential-change, through the Revoker); a change keeps this
browser signed in with a new session id. A reset signs nobody in: the next sign-in
asks for the new password and, where the account has one, the second factor."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from idp.account.interaction import signed_in_recently
from idp.authn.mail_links import (
    UNUSABLE,
    LinkPurpose,
    MailLinkError,
    check_link,
    find_account,
    issue_link,
    use_link,
)
from idp.authn.methods import AuthenticationMethod
from idp.authn.passwords import MAX_PASSWORD_LENGTH, WeakPasswordError
from idp.authn.second_factor import has_second_factor
from idp.authn.throttle import Attempt, Kind, TooManyAttemptsError
from idp.authn.users import User
from idp.errors import InvalidRequestError
from idp.http import openapi
from idp.http.account_sign_in import sign_in_to_account
from idp.http.client_address import client_address
from idp.http.deps import FormDep, ProviderDep, form_protection
from idp.http.errors import html_surface
from idp.http.pages import render_page
from idp.http.session_cookie import current_session, session_cookie_value, set_session_cookie
from idp.interaction.sealing import InteractionNotFoundError
from idp.mail.message import MailMessage
from idp.oauth.parameters import check_parameter
from idp.provider import Provider
from idp.revocation.events import Reason, SecurityEventType, user_actor
from idp.sessions.sso import Device, start_session
from idp.store.repository import SqlStore

router = APIRouter(tags=["End-user pages"], dependencies=[Depends(html_surface)])

REQUEST_PURPOSE = "password-reset-request"
RESET_PURPOSE = "password-reset"
CHANGE_PURPOSE = "password-change"
CHANGE_PAGE = "/account/password"
# The audit trail of a reset request, in security_events (no stream asks for it: it is
# no SSF event type); the completion is CAEP credential-change.
PASSWORD_RESET_REQUESTED = "urn:tessera:event:password-reset-requested"
CURRENT_WRONG = "The current password is incorrect."
NOT_THE_SAME = "The two new passwords are not the same."
FORM_ERRORS = openapi.html_errors(400, 403, 413) | openapi.unavailable(html=True)
# A page whose URL holds a link's token sends no Referer anywhere (RFC 9110 §10.1.3).
NO_REFERRER = "no-referrer"


@dataclass(frozen=True)
class NewPassword:
    """A new password from a form, checked against the policy for ``user``."""

    value: str

    @classmethod
    def from_form(
        cls, provider: Provider, store: SqlStore, user: User, form: dict[str, str]
    ) -> NewPassword:
        value, again = form.get("new_password", ""), form.get("new_password_again", "")
        if len(value) > MAX_PASSWORD_LENGTH or len(again) > MAX_PASSWORD_LENGTH:
            raise WeakPasswordError(
                f"The password must be at most {MAX_PASSWORD_LENGTH} characters."
            )
        if value != again:
            raise WeakPasswordError(NOT_THE_SAME)
        provider.password_policy.check(
            value,
            username=user.username,
            email=user.email,
            uses_mfa=has_second_factor(store, user.id),
        )
        return cls(value)


# -- the self-service reset ------------------------------------------------------------


@router.get(
    "/password-reset",
    summary="Forgot your password: ask for a reset link by mail",
    response_class=HTMLResponse,
    openapi_extra=openapi.query("interaction"),
    responses=openapi.html_page("The form: username or email address")
    | openapi.html_errors(400, 404)
    | openapi.unavailable(html=True),
)
def reset_request_page(request: Request, provider: ProviderDep) -> Response:
    _check_reset_offered(provider)
    interaction = _interaction_to_continue(provider, request.query_params.get("interaction"))
    return _request_page(request, provider, interaction)


@router.post(
    "/password-reset",
    summary="Mail a password-reset link to the account named, if there is one",
    response_class=HTMLResponse,
    openapi_extra=openapi.form_body("csrf_token", "identifier", "interaction", "send"),
    responses=openapi.html_page("Check your mail: the same answer whether the account exists")
    | openapi.html_page("The form again: nothing was entered", 400)
    | openapi.throttled_page("The form again: too many requests, wait")
    | openapi.html_errors(404)
    | FORM_ERRORS,
)
def request_reset(request: Request, provider: ProviderDep, form: FormDep) -> Response:
    form_protection(provider).check(request, form, REQUEST_PURPOSE)
    _check_reset_offered(provider)
    interaction = _interaction_to_continue(provider, form.get("interaction"))
    identifier = form.get("identifier", "").strip()
    if not identifier:
        return _request_page(
            request, provider, interaction, error="Enter your username or email.", status=400
        )
    try:
        count_link_request(request, provider, identifier)
    except TooManyAttemptsError as refused:
        return _request_page(
            request, provider, interaction, identifier, refused=refused, status=429
        )
    now, settings = provider.clock.now(), provider.settings
    with provider.store() as store:
        user = find_account(store, identifier)
        if user is not None and provider.mail is not None and user.email:
            token = issue_link(
                store,
                LinkPurpose.PASSWORD_RESET,
                user.id,
                now,
                settings.password_reset_ttl,
                interaction=interaction,
            )
            provider.mail.queue(store, reset_message(provider, user, user.email, token), now)
            store.record_security_event(
                PASSWORD_RESET_REQUESTED,
                subject=user.id,
                now=now,
                detail={"address": client_address(request, settings.trusted_proxies)},
            )
    if provider.mail is not None:
        provider.mail.wake()
    return mail_sent_page(provider, settings.password_reset_ttl, interaction, same_browser=False)


@router.get(
    "/password-reset/confirm",
    summary="The page of a reset link: the form for the new password",
    response_class=HTMLResponse,
    openapi_extra=openapi.query("token"),
    responses=openapi.html_page("The form for the new password")
    | openapi.html_page("The link is used, expired or unknown", 400)
    | openapi.throttled_page("Too many links that do not work from this address, wait")
    | openapi.html_errors(404)
    | openapi.unavailable(html=True),
)
def reset_page(request: Request, provider: ProviderDep) -> Response:
    _check_reset_offered(provider)
    token = request.query_params.get("token", "")
    attempt = Attempt(Kind.MAIL_LINK, _address(request, provider))
    try:
        provider.throttle.check(attempt)
    except TooManyAttemptsError as refused:
        return refused_page(wait_message(refused), status=429, retry_after=refused.retry_after)
    with provider.reading() as store:
        try:
            link = check_link(store, token, LinkPurpose.PASSWORD_RESET, provider.clock.now())
        except MailLinkError as error:
            provider.throttle.record_failure(attempt)
            return refused_page(str(error), again="/password-reset")
        user = store.load_user(link.user_id)
        if user is None or user.disabled:
            return refused_page(UNUSABLE, again="/password-reset")
        min_length = _min_length(provider, store, user)
    page = _new_password_page(
        request, provider, RESET_PURPOSE, "/password-reset/confirm", user, min_length, token=token
    )
    page.headers["Referrer-Policy"] = NO_REFERRER
    return page


@router.post(
    "/password-reset/confirm",
    summary="Set the new password with a reset link; every session and token ends",
    response_class=HTMLResponse,
    openapi_extra=openapi.form_body(
        "csrf_token", "token", "username", "new_password", "new_password_again", "save"
    ),
    responses=openapi.html_page("Password set: sign in with it")
    | openapi.html_page(
        "The link is used, expired or unknown; or the form again: the new "
        "password is refused, and why",
        400,
    )
    | openapi.throttled_page("Too many links that do not work from this address, wait")
    | openapi.html_errors(404)
    | FORM_ERRORS,
)
async def reset_password(request: Request, provider: ProviderDep, form: FormDep) -> Response:
    form_protection(provider).check(request, form, RESET_PURPOSE)
    _check_reset_offered(provider)
    token = form.get("token", "")
    attempt = Attempt(Kind.MAIL_LINK, _address(request, provider))
    try:
        await run_in_threadpool(provider.throttle.check, attempt)
    except TooManyAttemptsError as refused:
        return refused_page(wait_message(refused), status=429, retry_after=refused.retry_after)
    checked = await run_in_threadpool(_checked_reset, provider, token, form)
    if isinstance(checked, MailLinkError):
        await run_in_threadpool(provider.throttle.record_failure, attempt)
        return refused_page(str(checked), again="/password-reset")
    user, new, min_length, error = checked
    if new is None:
        return _new_password_page(
            request,
            provider,
            RESET_PURPOSE,
            "/password-reset/confirm",
            user,
            min_length,
            token=token,
            error=error,
            status=400,
        )
    password_hash = await provider.password_checks.hash(new.value)
    used = await run_in_threadpool(_complete_reset, provider, token, user, password_hash)
    if isinstance(used, MailLinkError):
        return refused_page(str(used), again="/password-reset")
    return render_page(
        "password_set.html",
        message="Your new password is set, and you are signed out everywhere. Sign in with "
        "it (and your second factor, if you use one).",
        next=used or "/account/sessions",
        next_label="Sign in",
    )


def _checked_reset(
    provider: Provider, token: str, form: dict[str, str]
) -> MailLinkError | tuple[User, NewPassword | None, int, str | None]:
    with provider.reading() as store:
        try:
            link = check_link(store, token, LinkPurpose.PASSWORD_RESET, provider.clock.now())
        except MailLinkError as error:
            return error
        user = store.load_user(link.user_id)
        if user is None or user.disabled:
            return MailLinkError(UNUSABLE)
        min_length = _min_length(provider, store, user)
        try:
            return user, NewPassword.from_form(provider, store, user, form), min_length, None
        except WeakPasswordError as error:
            return user, None, min_length, str(error)


def _complete_reset(
    provider: Provider, token: str, user: User, password_hash: str
) -> MailLinkError | str | None:
    """Use the link (conditional UPDATE), set the hash, end everything the user holds;
    where the sign-in that asked goes on, if it still can."""
    now = provider.clock.now()
    with provider.store() as store:
        try:
            link = use_link(store, token, LinkPurpose.PASSWORD_RESET, now)
        except MailLinkError as error:
            return error
        store.set_password_hash(user.id, password_hash)
        provider.revoker(store, user_actor(user.id)).revoke_subject(
            user.id, reason=Reason.PASSWORD_RESET, event=SecurityEventType.CREDENTIAL_CHANGE
        )
    sealed = _interaction_to_continue(provider, link.interaction)
    return f"/interaction/{sealed}" if sealed else None


def reset_message(provider: Provider, user: User, email: str, token: str) -> MailMessage:
    settings = provider.settings
    minutes = settings.password_reset_ttl // 60
    return MailMessage(
        to=email,
        subject="Reset your Tessera password",
        text=(
            f"Someone, probably you, asked to reset the password of the account "
            f"{user.username}.\n\nTo choose a new password, open this link within "
            f"{minutes} minutes (it works once):\n\n"
            f"{settings.endpoint('/password-reset/confirm')}?token={token}\n\n"
            "If you did not ask for this, ignore this message: your password stays as it "
            "is.\n"
        ),
    )


# -- the password change ---------------------------------------------------------------


@router.get(
    CHANGE_PAGE,
    summary="Change your password (after a recent sign-in)",
    response_class=HTMLResponse,
    responses=openapi.html_page("The form: current password, new password twice")
    | openapi.redirect(302, "To a new sign-in first: none, or not recent enough")
    | openapi.unavailable(html=True),
)
def change_page(request: Request, provider: ProviderDep) -> Response:
    now = provider.clock.now()
    with provider.store() as store:
        session = current_session(request, provider, store)
        if session is None or not signed_in_recently(session, now):
            return sign_in_to_account(request, provider, CHANGE_PAGE, fresh=True)
        user = store.load_user(session.user_id)
        if user is None:
            return sign_in_to_account(request, provider, CHANGE_PAGE, fresh=True)
        min_length = _min_length(provider, store, user)
    return _new_password_page(request, provider, CHANGE_PURPOSE, CHANGE_PAGE, user, min_length)


@router.post(
    CHANGE_PAGE,
    summary="Change your password; your other sessions and every token end",
    response_class=HTMLResponse,
    openapi_extra=openapi.form_body(
        "csrf_token", "username", "current_password", "new_password", "new_password_again", "save"
    ),
    responses=openapi.html_page("Password changed; this browser stays signed in")
    | openapi.redirect(303, "To a new sign-in first: none, or not recent enough")
    | openapi.html_page("The form again: the new password is refused, and why", 400)
    | openapi.html_page("The form again: the current password is wrong", 401)
    | openapi.throttled_page("The form again: too many wrong passwords, wait")
    | FORM_ERRORS,
)
async def change_password(request: Request, provider: ProviderDep, form: FormDep) -> Response:
    form_protection(provider).check(request, form, CHANGE_PURPOSE)
    found = await run_in_threadpool(_recent_user, request, provider)
    if found is None:
        return sign_in_to_account(request, provider, CHANGE_PAGE, fresh=True)
    user, session_method, min_length = found
    page = _ChangePage(request, provider, user, min_length)
    attempt = Attempt(Kind.PASSWORD, _address(request, provider), account=user.username)
    try:
        await run_in_threadpool(provider.throttle.check, attempt)
    except TooManyAttemptsError as refused:
        return page.again(wait_message(refused), 429, refused.retry_after)
    current = form.get("current_password", "")
    if await provider.password_checks.verify(user, current) is None:
        await run_in_threadpool(provider.throttle.record_failure, attempt)
        return page.again(CURRENT_WRONG, 401)
    await run_in_threadpool(provider.throttle.record_success, attempt)
    checked = await run_in_threadpool(_checked_change, provider, user, form)
    if isinstance(checked, str):
        return page.again(checked, 400)
    password_hash = await provider.password_checks.hash(checked.value)
    cookie_value = await run_in_threadpool(
        _complete_change, request, provider, user, session_method, password_hash
    )
    response = render_page(
        "password_set.html",
        message="Your password is changed. Your other sessions have ended; this browser "
        "stays signed in.",
        next="/account/sessions",
        next_label="Your sessions",
    )
    set_session_cookie(response, provider, cookie_value)
    return response


@dataclass(frozen=True)
class _ChangePage:
    request: Request
    provider: Provider
    user: User
    min_length: int

    def again(self, error: str, status: int, retry_after: int | None = None) -> Response:
        response = _new_password_page(
            self.request,
            self.provider,
            CHANGE_PURPOSE,
            CHANGE_PAGE,
            self.user,
            self.min_length,
            error=error,
            status=status,
        )
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)  # RFC 6585 §4
        return response


def _recent_user(
    request: Request, provider: Provider
) -> tuple[User, AuthenticationMethod, int] | None:
    with provider.store() as store:
        session = current_session(request, provider, store)
        if session is None or not signed_in_recently(session, provider.clock.now()):
            return None
        user = store.load_user(session.user_id)
        if user is None or user.disabled:
            return None
        method = AuthenticationMethod.of_session(session.amr, session.acr)
        return user, method, _min_length(provider, store, user)


def _checked_change(provider: Provider, user: User, form: dict[str, str]) -> NewPassword | str:
    with provider.reading() as store:
        try:
            return NewPassword.from_form(provider, store, user, form)
        except WeakPasswordError as error:
            return str(error)


def _complete_change(
    request: Request,
    provider: Provider,
    user: User,
    method: AuthenticationMethod,
    password_hash: str,
) -> str:
    """The new hash; every session and token of the user ends (ASVS 5 §7.4.3), then
    this browser gets a new session (a new id, the sign-in it had) and its cookie."""
    with provider.store() as store:
        store.set_password_hash(user.id, password_hash)
        store.discard_mail_links(user.id, LinkPurpose.PASSWORD_RESET)
        revoker = provider.revoker(store, user_actor(user.id))
        revoker.revoke_subject(
            user.id, reason=Reason.PASSWORD_CHANGE, event=SecurityEventType.CREDENTIAL_CHANGE
        )
        cookie_value, _session = start_session(
            store,
            provider.session_policy,
            revoker,
            user_id=user.id,
            method=method,
            replaces=session_cookie_value(request, provider),
            device=Device.described(request.headers.get("user-agent"), _address(request, provider)),
        )
    return cookie_value


# -- what the mailed-link pages share (idp.authn.routes.magic_links too) ----------------


def count_link_request(request: Request, provider: Provider, identifier: str) -> None:
    """Every request for a mailed link counts (idp.authn.throttle Kind.MAIL_LINK_REQUEST),
    per account as typed and per address: TooManyAttemptsError past the free ones."""
    attempt = Attempt(Kind.MAIL_LINK_REQUEST, _address(request, provider), account=identifier)
    provider.throttle.check(attempt)
    provider.throttle.record_failure(attempt)


def mail_sent_page(
    provider: Provider, ttl: int, interaction: str | None, *, same_browser: bool
) -> Response:
    return render_page(
        "mail_sent.html",
        minutes=ttl // 60,
        same_browser=same_browser,
        back=f"/interaction/{interaction}" if interaction else None,
    )


def refused_page(
    message: str,
    *,
    status: int = 400,
    again: str | None = None,
    retry_after: int | None = None,
    title: str = "This link does not work",
) -> Response:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return render_page(
        "mail_link_refused.html",
        status,
        headers=headers,
        title=title,
        message=message,
        again=again,
    )


def wait_message(refused: TooManyAttemptsError) -> str:
    return f"Too many attempts. Try again in {refused.retry_after} seconds."


def _request_page(
    request: Request,
    provider: Provider,
    interaction: str | None,
    identifier: str = "",
    *,
    error: str | None = None,
    refused: TooManyAttemptsError | None = None,
    status: int = 200,
) -> Response:
    response = form_protection(provider).render_form_page(
        request,
        "mail_link_request.html",
        purpose=REQUEST_PURPOSE,
        status_code=status,
        title="Reset your password",
        explanation="Enter your username or email address, and we will mail you a link to "
        "choose a new password.",
        button="Send me a reset link",
        action="/password-reset",
        interaction=interaction,
        identifier=identifier,
        error=wait_message(refused) if refused else error,
        back=f"/interaction/{interaction}" if interaction else None,
    )
    if refused is not None:
        response.headers["Retry-After"] = str(refused.retry_after)  # RFC 6585 §4
    return response


def _new_password_page(
    request: Request,
    provider: Provider,
    purpose: str,
    action: str,
    user: User,
    min_length: int,
    *,
    token: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return form_protection(provider).render_form_page(
        request,
        "new_password.html",
        purpose=purpose,
        status_code=status,
        title="Change your password" if purpose == CHANGE_PURPOSE else "Choose a new password",
        action=action,
        username=user.username,
        token=token,
        ask_current=purpose == CHANGE_PURPOSE,
        min_length=min_length,
        error=error,
    )


def _min_length(provider: Provider, store: SqlStore, user: User) -> int:
    policy = provider.password_policy
    return policy.min_length_with_mfa if has_second_factor(store, user.id) else policy.min_length


def _interaction_to_continue(provider: Provider, sealed: str | None) -> str | None:
    """``sealed`` if it is a live interaction of ours (so no page links anywhere else)."""
    if not sealed:
        return None
    check_parameter("interaction", sealed)  # control characters: 400
    try:
        provider.interaction_seal.open(sealed, provider.clock.now())
    except InteractionNotFoundError:
        return None
    return sealed


def _check_reset_offered(provider: Provider) -> None:
    if provider.mail is None or not provider.settings.password_reset:
        raise _NotOfferedError("Password reset by mail is not offered here.", redirectable=False)


class _NotOfferedError(InvalidRequestError):
    status_code = 404


def _address(request: Request, provider: Provider) -> str:
    return client_address(request, provider.settings.trusted_proxies)
