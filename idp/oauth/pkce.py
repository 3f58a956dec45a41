"""Proof Key for Code Exchange (RFC 7636). Only S256 is accepted: ``plain`` offers no
protection once the authorization request leaks (RFC 9700 §2.1.1)."""

from __future__ import annotations

import hmac
import re

from authlib.oauth2.rfc7636 import create_s256_code_challenge

from idp.errors import InvalidGrantError, InvalidRequestError

# RFC 7636 §4.1: 43-128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
# RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is 43 characters without padding
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")


def check_code_challenge(challenge: str | None, method: str | None, *, required: bool) -> None:
    if challenge is None:
        if method is not None:
            raise InvalidRequestError("code_challenge_method without code_challenge")
        if required:
            # RFC 9700 §2.1.1; OAuth 2.0 for Native Apps (RFC 8252 §8.1)
            raise InvalidRequestError("code_challenge is required for public clients")
        return
    if method != "S256":
        # RFC 7636 §4.4.1: unsupported transformation -> invalid_request
        raise InvalidRequestError("code_challenge_method must be S256")
    if not _S256_CHALLENGE.fullmatch(challenge):
        raise InvalidRequestError("code_challenge is not a base64url SHA-256 value")


def check_code_verifier(verifier: str | None, challenge: str | None) -> None:
    """RFC 7636 §4.6: the verifier must hash to the stored challenge."""
    if challenge is None:
        if verifier is not None:
            # A verifier for a code issued without a challenge signals an injected code.
            raise InvalidGrantError("code_verifier sent for a code issued without PKCE")
        return
    if verifier is None:
        raise InvalidGrantError("code_verifier is required")
    if not _VERIFIER.fullmatch(verifier):
        raise InvalidGrantError("code_verifier is malformed")
    if not hmac.compare_digest(create_s256_code_challenge(verifier), challenge):
        raise InvalidGrantError("code_verifier does not match the code_challenge")
