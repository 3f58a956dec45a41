"""HTTP for sign-in links by mail (IDP_MAGIC_LINKS, off by default): a first factor.

The login page links to /interaction/{sealed}/magic-link, where the user names their
account; the answer is the same whether it exists, and the browser gets a cookie whose
digest the link's row holds. The mailed link (/sign-in-link?token=…) opens a page with
one button: a GET never uses the token, so a mail scanner that fetches links cannot
spend it; the button's POST (with its CSRF token) uses it, in the browser that asked
only, and ends in ``first_factor_done`` like a password, so the second factor is still
asked for where it is owed (idp.authn.mfa_policy)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from idp.authn.mail_links import (
    UNUSABLE,
    LinkPurpose,
    MailLinkError,
    OtherBrowserError,
    check_link,
    find_account,
    issue_link,
    use_link,
)
from idp.authn.methods import MAGIC_LINK
from idp.authn.routes.passwords import (
    NO_REFERRER,
    count_link_request,
    mail_sent_page,
    refused_page,
    wait_message,
)
from idp.authn.throttle import Attempt, Kind, TooManyAttemptsError
from idp.authn.users import User
from idp.errors import InvalidRequestError
from idp.http import openapi
from idp.http.client_address import client_address
from idp.http.cookies import cookie_name, delete_cookie, set_cookie
from idp.http.deps import FormDep, ProviderDep, form_protection
from idp.http.errors import html_surface
from idp.interaction.model import Interaction
from idp.interaction.routes import first_factor_done, open_interaction
from idp.mail.message import MailMessage
from idp.provider import Provider
from idp.secret import digest, new_token

router = APIRouter(tags=["End-user pages"], dependencies=[Depends(html_surface)])

REQUEST_PURPOSE = "magic-link-request"
CONFIRM_PURPOSE = "magic-link"
LINK_PAGE = "/sign-in-link"
# Binds a sign-in link to the browser that asked for it.
BROWSER_COOKIE = "sign_in_link"
FORM_ERRORS = openapi.html_errors(400, 403, 413) | openapi.unavailable(html=True)


@router.get(
    "/interaction/{sealed}/magic-link",
    summary="Ask for a sign-in link by mail (when IDP_MAGIC_LINKS is on)",
    response_class=HTMLResponse,
    responses=openapi.html_page("The form: username or email address")
    | openapi.html_errors(400, 404)
    | openapi.unavailable(html=True),
)
def request_page(sealed: str, request: Request, provider: ProviderDep) -> Response:
    _check_offered(provider)
    open_interaction(provider, sealed, provider.clock.now())
    return _request_page(request, provider, sealed)


@router.post(
    "/interaction/{sealed}/magic-link",
    summary="Mail a sign-in link to the account named, if there is one",
    response_class=HTMLResponse,
    openapi_extra=openapi.form_body("csrf_token", "identifier", "send"),
    responses=openapi.html_page("Check your mail: the same answer whether the account exists")
    | openapi.html_page("The form again: nothing was entered", 400)
    | openapi.throttled_page("The form again: too many requests, wait")
    | openapi.html_errors(404)
    | FORM_ERRORS,
)
def request_link(sealed: str, request: Request, provider: ProviderDep, form: FormDep) -> Response:
    form_protection(provider).check(request, form, REQUEST_PURPOSE)
    _check_offered(provider)
    now, settings = provider.clock.now(), provider.settings
    open_interaction(provider, sealed, now)
    identifier = form.get("identifier", "").strip()
    if not identifier:
        return _request_page(request, provider, sealed, error="Enter your username or email.")
    try:
        count_link_request(request, provider, identifier)
    except TooManyAttemptsError as refused:
        return _request_page(request, provider, sealed, identifier, refused=refused)
    browser = new_token()  # set whether the account exists: the answers are the same
    with provider.store() as store:
        user = find_account(store, identifier)
        if user is not None and provider.mail is not None and user.email:
            token = issue_link(
                store,
                LinkPurpose.MAGIC_LINK,
                user.id,
                now,
                settings.magic_link_ttl,
                browser_digest=digest(browser),
                interaction=sealed,
            )
            provider.mail.queue(store, _message(provider, user, user.email, token), now)
    if provider.mail is not None:
        provider.mail.wake()
    response = mail_sent_page(provider, settings.magic_link_ttl, sealed, same_browser=True)
    set_cookie(
        response,
        BROWSER_COOKIE,
        browser,
        secure=settings.secure_cookies,
        max_age=settings.magic_link_ttl,
    )
    return response


@router.get(
    LINK_PAGE,
    summary="The page of a sign-in link: one button that signs in (a GET uses nothing)",
    response_class=HTMLResponse,
    openapi_extra=openapi.query("token"),
    responses=openapi.html_page("The button that signs in")
    | openapi.html_page("The link is used, expired or unknown", 400)
    | openapi.html_page("The link was asked for in another browser", 403)
    | openapi.throttled_page("Too many links that do not work from this address, wait")
    | openapi.html_errors(404)
    | openapi.unavailable(html=True),
)
def link_page(request: Request, provider: ProviderDep) -> Response:
    _check_offered(provider)
    token = request.query_params.get("token", "")
    checked = _checked(request, provider, token, use=False)
    if not isinstance(checked, tuple):
        return checked
    user, _interaction = checked
    page = form_protection(provider).render_form_page(
        request,
        "magic_link_confirm.html",
        purpose=CONFIRM_PURPOSE,
        action=LINK_PAGE,
        token=token,
        username=user.username,
    )
    page.headers["Referrer-Policy"] = NO_REFERRER
    return page


@router.post(
    LINK_PAGE,
    summary="Sign in with a sign-in link (its first factor); the second may follow",
    response_class=HTMLResponse,
    openapi_extra=openapi.form_body("csrf_token", "token", "confirm"),
    responses=openapi.redirect(303, openapi.INTERACTION_REDIRECT)
    | openapi.html_page("The link is used, expired or unknown", 400)
    | openapi.html_page("The link was asked for in another browser", 403)
    | openapi.throttled_page("Too many links that do not work from this address, wait")
    | openapi.html_errors(404)
    | FORM_ERRORS,
)
async def sign_in_with_link(request: Request, provider: ProviderDep, form: FormDep) -> Response:
    form_protection(provider).check(request, form, CONFIRM_PURPOSE)
    _check_offered(provider)
    checked = await run_in_threadpool(_checked, request, provider, form.get("token", ""), use=True)
    if not isinstance(checked, tuple):
        return checked
    user, interaction = checked
    response = await run_in_threadpool(
        first_factor_done, request, provider, interaction, user, MAGIC_LINK
    )
    delete_cookie(response, BROWSER_COOKIE, secure=provider.settings.secure_cookies)
    return response


def _checked(
    request: Request, provider: Provider, token: str, *, use: bool
) -> tuple[User, Interaction] | Response:
    """The user and interaction of a working link opened in its browser (used, with
    ``use``), or the page that says why not; a link that does not work counts against
    the caller's address (Kind.MAIL_LINK)."""
    attempt = Attempt(Kind.MAIL_LINK, client_address(request, provider.settings.trusted_proxies))
    try:
        provider.throttle.check(attempt)
    except TooManyAttemptsError as refused:
        return refused_page(wait_message(refused), status=429, retry_after=refused.retry_after)
    browser = request.cookies.get(cookie_name(BROWSER_COOKIE, provider.settings.secure_cookies))
    now = provider.clock.now()
    with provider.store() as store:
        try:
            redeem = use_link if use else check_link
            link = redeem(store, token, LinkPurpose.MAGIC_LINK, now, browser=browser)
        except OtherBrowserError as error:
            return refused_page(str(error), status=403, title="Open this link where you asked")
        except MailLinkError as error:
            provider.throttle.record_failure(attempt)
            return refused_page(str(error))
        user = store.load_user(link.user_id)
    if user is None or user.disabled or link.interaction is None:
        return refused_page(UNUSABLE)
    return user, open_interaction(provider, link.interaction, now)


def _message(provider: Provider, user: User, email: str, token: str) -> MailMessage:
    settings = provider.settings
    return MailMessage(
        to=email,
        subject="Your Tessera sign-in link",
        text=(
            f"Someone, probably you, asked for a link to sign in as {user.username}.\n\n"
            f"Open it within {settings.magic_link_ttl // 60} minutes, in the browser where "
            f"you asked for it (it works once):\n\n{settings.endpoint(LINK_PAGE)}?token={token}"
            "\n\nIf you did not ask for this, ignore this message.\n"
        ),
    )


def _request_page(
    request: Request,
    provider: Provider,
    sealed: str,
    identifier: str = "",
    *,
    error: str | None = None,
    refused: TooManyAttemptsError | None = None,
) -> Response:
    status = 429 if refused else 400 if error else 200
    response = form_protection(provider).render_form_page(
        request,
        "mail_link_request.html",
        purpose=REQUEST_PURPOSE,
        status_code=status,
        title="Sign in with a link",
        explanation="Enter your username or email address, and we will mail you a link that "
        "signs you in, in this browser.",
        button="Email me a sign-in link",
        action=f"/interaction/{sealed}/magic-link",
        interaction=None,
        identifier=identifier,
        error=wait_message(refused) if refused else error,
        back=f"/interaction/{sealed}",
    )
    if refused is not None:
        response.headers["Retry-After"] = str(refused.retry_after)  # RFC 6585 §4
    return response


def _check_offered(provider: Provider) -> None:
    if provider.mail is None or not provider.settings.magic_links:
        raise _NotOfferedError("Sign-in links are not offered here.", redirectable=False)


class _NotOfferedError(InvalidRequestError):
    status_code = 404
