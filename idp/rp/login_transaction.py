"""The login transaction of the web-app helper: what one browser's sign-in must
remember between the authorization request and the callback (OpenID Connect Core 1.0
§3.1.2.1 ``state`` and ``nonce``, RFC 7636 PKCE with S256, the page to return to), kept
by that browser in a sealed, short-lived cookie; and the checks of the callback."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from idp.rp.errors import InvalidLoginState, LoginRefused, UnsafeReturnTo

ERROR_TEXT = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]{1,200}")  # RFC 6749 Appendix A.7, A.8
MAX_RETURN_TO = 1024  # characters


@dataclass(frozen=True, slots=True)
class LoginTransaction:
    state: str
    nonce: str
    code_verifier: str
    return_to: str
    max_age: int | None = None
    acr_values: tuple[str, ...] | None = None

    @classmethod
    def new(
        cls, return_to: str, max_age: int | None, acr_values: Collection[str] | None
    ) -> LoginTransaction:
        """RFC 7636 §4.1: a verifier of 43 characters from 32 random bytes; ``state``
        and ``nonce`` of 128 bits each."""
        return cls(
            state=secrets.token_urlsafe(16),
            nonce=secrets.token_urlsafe(16),
            code_verifier=secrets.token_urlsafe(32),
            return_to=check_return_to(return_to),
            max_age=max_age,
            acr_values=tuple(acr_values) if acr_values is not None else None,
        )

    def to_payload(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "nonce": self.nonce,
            "code_verifier": self.code_verifier,
            "return_to": self.return_to,
            "max_age": self.max_age,
            "acr_values": list(self.acr_values) if self.acr_values is not None else None,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> LoginTransaction:
        acr_values = payload.get("acr_values")
        return cls(
            state=str(payload["state"]),
            nonce=str(payload["nonce"]),
            code_verifier=str(payload["code_verifier"]),
            return_to=str(payload["return_to"]),
            max_age=payload.get("max_age"),
            acr_values=tuple(acr_values) if acr_values is not None else None,
        )

    def code_challenge(self) -> str:
        """RFC 7636 §4.2 S256: BASE64URL(SHA256(ASCII(code_verifier))), unpadded."""
        digest = hashlib.sha256(self.code_verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def authorization_query(
        self, *, client_id: str, redirect_uri: str, scope: str, prompt: str | None
    ) -> str:
        """OIDC Core §3.1.2.1, with the PKCE challenge (RFC 7636 §4.3)."""
        query: dict[str, str] = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": self.code_challenge(),
            "code_challenge_method": "S256",
        }
        if self.max_age is not None:
            query["max_age"] = str(self.max_age)
        if self.acr_values is not None:
            query["acr_values"] = " ".join(self.acr_values)
        if prompt is not None:
            query["prompt"] = prompt
        return urlencode(query)


def check_return_to(path: str) -> str:
    """A path of this application only: no scheme, no host, no ``//`` or ``\\`` that a
    browser would read as another host, no control characters (an open redirect is
    refused, RFC 6749 §10.15)."""
    parts = urlsplit(path)
    if (
        not path.startswith("/")
        or path.startswith("//")
        or "\\" in path
        or len(path) > MAX_RETURN_TO
        or parts.scheme
        or parts.netloc
        or not path.isprintable()
    ):
        raise UnsafeReturnTo("the page to return to must be a path of this application")
    return path


def check_callback(params: Mapping[str, str], transaction: LoginTransaction, issuer: str) -> str:
    """The authorization response (OIDC Core §3.1.2.5, §3.1.2.6): the code, once the
    ``state`` is this transaction's (compared in constant time, RFC 6749 §10.12) and
    the ``iss``, when sent, the issuer's (RFC 9207 §2.4). An error response is only
    believed with the right ``state``: anyone can send a browser to the callback."""
    state = params.get("state", "")
    if not hmac.compare_digest(state.encode(), transaction.state.encode()):
        raise InvalidLoginState("the state is not that of this browser's sign-in")
    if "iss" in params and params["iss"] != issuer:
        raise InvalidLoginState("the response names another issuer (RFC 9207)")
    if "error" in params:
        raise LoginRefused(
            _error_text(params["error"]) or "invalid_request",
            _error_text(params.get("error_description", "")),
        )
    code = params.get("code", "")
    if not code:
        raise InvalidLoginState("the response has no code")
    return code


def _error_text(value: str) -> str | None:
    return value if ERROR_TEXT.fullmatch(value) else None
