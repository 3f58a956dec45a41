"""The account pages in a Browser: sign in to /account (password, and the code if
asked), read the session's time left, stay signed in."""

from __future__ import annotations

import httpx

from idp.authn.users import User
from tests.support.flows import PASSWORD, Browser, csrf_token
from tests.support.pages import is_login_page
from tests.support.second_factor import is_second_factor_page, submit_code

SESSION_COOKIE = "idp_session"  # idp.http.session_cookie on http (no __Host- prefix)


def open_account(browser: Browser, path: str = "/account") -> httpx.Response:
    return browser.follow(browser.http.get(path))


def sign_in_to_account(
    browser: Browser, user: User, code: str | None = None, path: str = "/account"
) -> httpx.Response:
    """From a browser without a session: the login page, the password, the code when
    asked (``code``), and the page at ``path``."""
    page = open_account(browser, path)
    assert is_login_page(page), page.text
    page = browser.follow(browser.submit_login(page, user.username, PASSWORD))
    if code is not None:
        assert is_second_factor_page(page), page.text
        page = browser.follow(submit_code(browser, page, code))
    assert page.status_code == 200, page.text
    return page


def session_state(browser: Browser) -> httpx.Response:
    return browser.http.get("/account/session")


def stay_signed_in(
    browser: Browser, page: httpx.Response, *, as_json: bool = True
) -> httpx.Response:
    """The account page's "Stay signed in" form, as its script sends it (JSON) or as a
    plain form post."""
    headers = {"Accept": "application/json"} if as_json else {}
    return browser.http.post(
        "/account/session/extend", data={"csrf_token": csrf_token(page.text)}, headers=headers
    )


def session_cookie(browser: Browser) -> str | None:
    return browser.http.cookies.get(SESSION_COOKIE)
