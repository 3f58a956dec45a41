"""The SSO session cookie on requests and responses."""

from __future__ import annotations

from fastapi import Request, Response

from idp.http.cookies import cookie_name, delete_cookie, set_cookie
from idp.provider import Provider
from idp.sessions.sso import SsoSession, resume_session
from idp.sessions.storage import SessionStore

SESSION_COOKIE = "session"


def session_cookie_value(request: Request, provider: Provider) -> str | None:
    return request.cookies.get(cookie_name(SESSION_COOKIE, provider.settings.secure_cookies))


def current_session(request: Request, provider: Provider, store: SessionStore) -> SsoSession | None:
    return resume_session(
        store,
        provider.session_policy,
        session_cookie_value(request, provider),
        provider.clock.now(),
    )


def set_session_cookie(response: Response, provider: Provider, value: str) -> None:
    # A session cookie (no Max-Age): the server-side record holds the real timeouts.
    set_cookie(
        response, SESSION_COOKIE, value, secure=provider.settings.secure_cookies, max_age=None
    )


def clear_session_cookie(response: Response, provider: Provider) -> None:
    delete_cookie(response, SESSION_COOKIE, secure=provider.settings.secure_cookies)
