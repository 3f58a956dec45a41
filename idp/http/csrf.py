"""CSRF protection for every form: a signed double-submit token (OWASP CSRF Prevention
Cheat Sheet). A random seed lives in an HttpOnly cookie; the form carries an HMAC of the
seed bound to the form's purpose, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fastapi import Request, Response

from idp.errors import InvalidRequestError
from idp.http.cookies import cookie_name, set_cookie
from idp.http.pages import render_page
from idp.secret import new_token

CSRF_COOKIE = "csrf"


class CsrfCheckFailedError(InvalidRequestError):
    """A form without the token of this browser's form (OWASP: refuse with 403)."""

    status_code = 403


def render_form_page(
    request: Request,
    template: str,
    *,
    key: bytes,
    secure: bool,
    purpose: str,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render a page holding a form, with its CSRF token (and cookie, if missing)."""
    seed = request.cookies.get(cookie_name(CSRF_COOKIE, secure))
    new_seed = None if seed else new_token()
    token = _sign(key, seed or str(new_seed), purpose)
    response = render_page(template, status_code, csrf_token=token, **context)
    if new_seed:
        set_cookie(response, CSRF_COOKIE, new_seed, secure=secure, max_age=None)
    return response


def check_csrf(
    request: Request, form_token: str | None, *, key: bytes, secure: bool, purpose: str
) -> None:
    seed = request.cookies.get(cookie_name(CSRF_COOKIE, secure))
    if not seed or not form_token or not hmac.compare_digest(_sign(key, seed, purpose), form_token):
        raise CsrfCheckFailedError("the form has expired; please go back and try again")


def _sign(key: bytes, seed: str, purpose: str) -> str:
    return hmac.new(key, f"{purpose}\x00{seed}".encode(), hashlib.sha256).hexdigest()
