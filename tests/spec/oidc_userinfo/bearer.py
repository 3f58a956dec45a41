"""RFC 6750 §3 checks for the UserInfo endpoint's answers, and ways to spoil a token."""

from __future__ import annotations

import base64
import json

import httpx

from tests.support.assertions import assert_oauth_error


def assert_bearer_error(response: httpx.Response, error: str, status: int) -> None:
    """RFC 6750 §3: the error in the body and in the Bearer challenge."""
    assert_oauth_error(response, error, status)
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer realm="), challenge
    assert f'error="{error}"' in challenge, challenge


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def with_payload_changed(token: str, **claims: object) -> str:
    """The token with ``claims`` rewritten in the payload and the old signature kept."""
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    changed = _b64url(json.dumps({**decoded, **claims}).encode())
    return f"{header}.{changed}.{signature}"


def with_signature_changed(token: str) -> str:
    """The token with one character in the middle of its signature replaced."""
    header, payload, signature = token.split(".")
    middle = len(signature) // 2
    swapped = "A" if signature[middle] != "A" else "B"
    return f"{header}.{payload}.{signature[:middle]}{swapped}{signature[middle + 1 :]}"
