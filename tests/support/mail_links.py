"""The pages of mailed links as a browser walks them: asking for a password reset or a
sign-in link, opening the link, and setting a new password (idp.authn.routes)."""

from __future__ import annotations

import itertools
import re
from urllib.parse import urlsplit

import httpx

from tests.support.flows import Browser, csrf_token
from tests.support.server import RunningIdp

MAIL_SENT = 'id="mail-sent"'
PASSWORD_SET = 'id="password-set"'
LINK_ERROR = 'id="link-error"'
_addresses = itertools.count(1)


def browser_at_new_address(idp: RunningIdp) -> Browser:
    """A browser whose requests come from an address of their own (X-Forwarded-For
    from a trusted proxy: the server must trust 127.0.0.1), so the throttle's counts of
    one test do not reach another's."""
    browser = Browser(idp)
    number = next(_addresses)
    browser.http.headers["X-Forwarded-For"] = f"198.18.{number // 250}.{number % 250 + 1}"
    return browser


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def request_reset(browser: Browser, identifier: str, **query: str) -> httpx.Response:
    page = browser.http.get("/password-reset", params=query)
    assert page.status_code == 200, page.text
    data = {"csrf_token": csrf_token(page.text), "identifier": identifier, "send": "1"}
    hidden = re.search(r'name="interaction" value="([^"]+)"', page.text)
    if hidden:
        data["interaction"] = hidden.group(1)
    return browser.http.post("/password-reset", data=data)


def submit_new_password(
    browser: Browser, page: httpx.Response, new: str, again: str | None = None, **fields: str
) -> httpx.Response:
    """The new-password form of ``page`` (a reset link's page or /account/password)."""
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert action, page.text
    data = {
        "csrf_token": csrf_token(page.text),
        "new_password": new,
        "new_password_again": new if again is None else again,
        "save": "1",
        **fields,
    }
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    if token:
        data["token"] = token.group(1)
    return browser.http.post(action.group(1), data=data)


def request_sign_in_link(
    browser: Browser, login_page: httpx.Response, identifier: str
) -> httpx.Response:
    link = re.search(r'href="(/interaction/[^"]+/magic-link)"', login_page.text)
    assert link, "no sign-in link on the login page"
    page = browser.http.get(link.group(1))
    assert page.status_code == 200, page.text
    return browser.http.post(
        link.group(1),
        data={"csrf_token": csrf_token(page.text), "identifier": identifier, "send": "1"},
    )


def confirm_sign_in_link(browser: Browser, page: httpx.Response) -> httpx.Response:
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token, page.text
    return browser.http.post(
        "/sign-in-link",
        data={"csrf_token": csrf_token(page.text), "token": token.group(1), "confirm": "1"},
    )
