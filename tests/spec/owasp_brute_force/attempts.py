"""A sign-in attempt through the login form, from start to the answer to the password."""

from __future__ import annotations

import re
import time

import httpx

from idp.oauth.clients import Client
from tests.support.flows import Browser

WRONG = "not the password"
TOO_MANY = re.compile(r"Too many failed attempts\. Try again in (\d+) seconds\.")


def attempt(
    browser: Browser, client: Client, username: str, password: str = WRONG
) -> httpx.Response:
    """A new sign-in from the browser's address (its SSO cookie, if any, dropped)."""
    return browser.submit_login(login_page(browser, client), username, password)


def login_page(browser: Browser, client: Client) -> httpx.Response:
    """The login page of a new sign-in (the browser's SSO cookie, if any, dropped)."""
    browser.http.cookies.clear()
    return browser.follow(
        browser.authorize(
            response_type="code",
            client_id=client.client_id,
            redirect_uri=client.redirect_uris[0],
            scope="openid",
            state="s",
            code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            code_challenge_method="S256",
        )
    )


def retry_after(response: httpx.Response) -> int:
    """The wait a 429 names, checked to be the same in the header and on the page."""
    assert response.status_code == 429, response.text
    header = response.headers["retry-after"]
    assert re.fullmatch(r"[1-9][0-9]*", header), header  # RFC 9110 §10.2.3: delay-seconds
    shown = TOO_MANY.search(response.text)
    assert shown, response.text
    assert shown.group(1) == header
    return int(header)


def wait_out(response: httpx.Response) -> None:
    time.sleep(retry_after(response) + 0.05)
