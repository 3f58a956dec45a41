"""The IdP's own pages as a browser sees them: which one it is (login, consent) and
where its form posts to."""

from __future__ import annotations

import re

import httpx

LOGIN_FORM = re.compile(r'action="(/interaction/[^"]+/login)"')
CONSENT_FORM = re.compile(r'action="(/interaction/[^"]+/consent)"')


def is_login_page(page: httpx.Response) -> bool:
    return page.status_code == 200 and bool(LOGIN_FORM.search(page.text))


def is_consent_page(page: httpx.Response) -> bool:
    return page.status_code == 200 and bool(CONSENT_FORM.search(page.text))


def login_form(page: httpx.Response) -> str | None:
    """Where the login form of this page posts to; None if it is no login page."""
    match = LOGIN_FORM.search(page.text) if page.status_code == 200 else None
    return match.group(1) if match else None


def consent_form(page: httpx.Response) -> str | None:
    """Where the consent form of this page posts to; None if it is no consent page."""
    match = CONSENT_FORM.search(page.text) if page.status_code == 200 else None
    return match.group(1) if match else None


def form_action(page: httpx.Response, name: str) -> str:
    """Where the page's login or consent form posts to (any page, any status)."""
    match = re.search(rf'action="([^"]+/{name})"', page.text)
    assert match, f"no {name} form on the page"
    return match.group(1)
