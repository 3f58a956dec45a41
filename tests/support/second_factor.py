"""A user's second factor in tests: enrol one directly, compute its codes with pyotp on
the server's movable clock, and walk the second-factor pages (the code, enrolment at
sign-in) in a Browser."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import pyotp

from idp.authn.totp import STEP, new_secret
from idp.authn.users import User
from idp.oauth.clients import Client
from tests.support.assertions import verify_access_token, verify_id_token
from tests.support.client_requests import redeem
from tests.support.flows import PASSWORD, Browser, csrf_token, pkce_pair, query_of
from tests.support.pages import form_action, is_consent_page
from tests.support.relying_party import App
from tests.support.server import RunningIdp

SECRET_TEXT = re.compile(r'id="totp-secret">([A-Z2-7]+)<')
ENROLMENT_FIELD = re.compile(r'name="enrolment" value="([^"]+)"')


@dataclass
class Enrolled:
    """A user with an authenticator app (the secret) and their recovery codes."""

    user: User
    secret: str
    recovery_codes: list[str] = field(default_factory=list)

    def code(self, idp: RunningIdp, offset_steps: int = 0) -> str:
        return pyotp.TOTP(self.secret).at(idp.clock.now() + offset_steps * STEP)


def enrol(idp: RunningIdp, user: User) -> Enrolled:
    """Enrol ``user`` through the core as if two steps ago, so that every code in the
    window of now (one step either side) is still unused."""
    secret, then = new_secret(), idp.clock.now() - 2 * STEP
    with idp.provider.store() as store:
        codes = idp.provider.second_factors.enrol(
            store, user.id, secret, pyotp.TOTP(secret).at(then), then
        )
    return Enrolled(user, secret, codes)


def is_second_factor_page(page: httpx.Response) -> bool:
    return page.status_code == 200 and "/second-factor" in page.text


def is_enrolment_page(page: httpx.Response) -> bool:
    return page.status_code == 200 and "/enrolment" in page.text


def submit_code(browser: Browser, page: httpx.Response, code: str) -> httpx.Response:
    return browser.http.post(
        form_action(page, "second-factor"),
        data={"csrf_token": csrf_token(page.text), "code": code, "verify": "1"},
    )


def enrolment_secret(page: httpx.Response) -> str:
    match = SECRET_TEXT.search(page.text)
    assert match, "no secret on the enrolment page"
    return match.group(1)


def submit_enrolment(browser: Browser, page: httpx.Response, code: str) -> httpx.Response:
    match = ENROLMENT_FIELD.search(page.text)
    assert match, "not an enrolment page"
    return browser.http.post(
        form_action(page, "enrolment"),
        data={
            "csrf_token": csrf_token(page.text),
            "enrolment": html.unescape(match.group(1)),
            "code": code,
            "confirm": "1",
        },
    )


def authorization_request(client: Client, **params: str) -> tuple[dict[str, str], str]:
    verifier, challenge = pkce_pair()
    request = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uris[0],
        "scope": "openid profile",
        "state": "xyz",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **params,
    }
    return request, verifier


def to_client(browser: Browser, page: httpx.Response) -> dict[str, str]:
    """Past consent (if asked) to the redirect to the client; its query."""
    page = browser.follow(page)
    if is_consent_page(page):
        page = browser.follow(browser.submit_consent(page))
    assert page.is_redirect, page.text
    return query_of(page.headers["location"])


def password_step(browser: Browser, user: User, request: dict[str, str]) -> httpx.Response:
    """Authorize and give the password; the page that follows."""
    page = browser.follow(browser.authorize(**request))
    return browser.follow(browser.submit_login(page, user.username, PASSWORD))


def sign_in_with_code(
    idp: RunningIdp,
    browser: Browser,
    client: Client,
    enrolled: Enrolled,
    code: str | None = None,
    **params: str,
) -> tuple[dict[str, str], str]:
    """Password, then the TOTP code (or ``code``); the client redirect's query and the
    PKCE verifier."""
    request, verifier = authorization_request(client, **params)
    page = password_step(browser, enrolled.user, request)
    assert is_second_factor_page(page), page.text
    return to_client(browser, submit_code(browser, page, code or enrolled.code(idp))), verifier


def tokens_for(
    idp: RunningIdp, client: Client, query: dict[str, str], verifier: str, secret: str | None
) -> dict[str, Any]:
    response = redeem(idp, client, query["code"], verifier, secret)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def token_claims(
    idp: RunningIdp, app: App, query: dict[str, str], verifier: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``app`` redeems the code of ``query``: the verified ID token's and access token's
    claims."""
    tokens = tokens_for(idp, app.client, query, verifier, app.secret)
    return (
        verify_id_token(idp, tokens["id_token"], app.client),
        verify_access_token(idp, tokens["access_token"]),
    )


def enrol_in_browser(
    idp: RunningIdp, browser: Browser, page: httpx.Response
) -> tuple[dict[str, str], list[str]]:
    """From the enrolment page: a wrong code first, then the right one, the recovery
    codes page, and on to the client; the client redirect's query and the codes."""
    assert is_enrolment_page(page), page.text
    assert "<svg" in page.text  # the QR code, inline
    secret = enrolment_secret(page)
    wrong = submit_enrolment(browser, page, "000000")
    assert wrong.status_code == 401
    assert "wrong or has expired" in wrong.text
    assert enrolment_secret(wrong) == secret  # the app that scanned it keeps working
    shown = submit_enrolment(browser, wrong, pyotp.TOTP(secret).at(idp.clock.now()))
    assert shown.status_code == 200, shown.text
    codes = [line.split("<code>")[1].split("</code>")[0] for line in shown.text.split("<li>")[1:]]
    assert len(codes) == 10
    continue_to = shown.text.split('id="continue"')[0].rsplit('href="', 1)[1].split('"')[0]
    return to_client(browser, browser.http.get(continue_to.replace("&amp;", "&"))), codes
