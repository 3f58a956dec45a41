"""CSRF protection for every form: a signed double-submit token (OWASP CSRF Prevention
Cheat Sheet). A random seed lives in an HttpOnly cookie; the form carries an HMAC of the
seed bound to the form's purpose, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response

from idp.errors import InvalidRequestError
from idp.http.cookies import cookie_name, set_cookie
from idp.http.pages import render_page
from idp.secret import new_token

CSRF_COOKIE = "csrf"
TOKEN_FIELD = "csrf_token"


class CsrfCheckFailedError(InvalidRequestError):
    """A form without the token of this browser's form (OWASP: refuse with 403)."""

    status_code = 403


@dataclass(frozen=True)
class FormProtection:
    key: bytes
    secure_cookies: bool

    def render_form_page(
        self,
        request: Request,
        template: str,
        *,
        purpose: str,
        status_code: int = 200,
        **context: Any,
    ) -> Response:
        """Render a page holding a form, with its CSRF token (and cookie, if missing)."""
        seed = request.cookies.get(cookie_name(CSRF_COOKIE, self.secure_cookies))
        new_seed = None if seed else new_token()
        token = self._sign(seed or str(new_seed), purpose)
        response = render_page(template, status_code, csrf_token=token, **context)
        if new_seed:
            set_cookie(response, CSRF_COOKIE, new_seed, secure=self.secure_cookies, max_age=None)
        return response

    def check(self, request: Request, form: Mapping[str, str], purpose: str) -> None:
        seed = request.cookies.get(cookie_name(CSRF_COOKIE, self.secure_cookies))
        token = form.get(TOKEN_FIELD)
        if not seed or not token or not hmac.compare_digest(self._sign(seed, purpose), token):
            raise CsrfCheckFailedError("the form has expired; please go back and try again")

    def _sign(self, seed: str, purpose: str) -> str:
        return hmac.new(self.key, f"{purpose}\x00{seed}".encode(), hashlib.sha256).hexdigest()
