"""The SDK's public surface is small and pinned, and importing it loads nothing of the
server (ARCHITECTURE: idp.rp stands alone; the import-linter contract holds the same
line statically)."""

from __future__ import annotations

import subprocess
import sys

import idp.rp
from idp.rp import TokenError

PUBLIC = [
    "AsyncProvider",
    "AsyncRevocationFollower",
    "AuthenticationTooOld",
    "Claims",
    "ExpiredToken",
    "InsufficientAuthentication",
    "InsufficientScope",
    "InvalidAccessTokenHash",
    "InvalidAudience",
    "InvalidClaims",
    "InvalidIssuer",
    "InvalidNonce",
    "InvalidSignature",
    "InvalidTokenType",
    "MalformedToken",
    "NotYetValid",
    "Provider",
    "ProviderUnavailable",
    "ReplayedToken",
    "RevocationFollower",
    "RevokedToken",
    "SeenTokens",
    "StaleRevocationState",
    "SuspendedToken",
    "TokenError",
    "TokenTooLarge",
    "UnknownKey",
    "UnsupportedAlgorithm",
    "UnsupportedHeader",
]
ANSWERS = {  # RFC 6750 §3.1, RFC 9470 §3; None: not the token's fault (503)
    "InsufficientScope": ("insufficient_scope", 403),
    "InsufficientAuthentication": ("insufficient_user_authentication", 401),
    "AuthenticationTooOld": ("insufficient_user_authentication", 401),
    "StaleRevocationState": (None, 503),
    "ProviderUnavailable": (None, 503),
}


def test_the_public_api_is_pinned():
    assert sorted(idp.rp.__all__) == PUBLIC
    assert all(hasattr(idp.rp, name) for name in PUBLIC)


def test_every_error_is_a_token_error_with_its_answer__rfc6750_s3_1():
    errors = [
        getattr(idp.rp, name)
        for name in PUBLIC
        if isinstance(getattr(idp.rp, name), type) and issubclass(getattr(idp.rp, name), Exception)
    ]
    assert all(issubclass(error, TokenError) for error in errors)
    for error in errors:
        expected = ANSWERS.get(error.__name__, ("invalid_token", 401))
        assert (error.error, error.status_code) == expected, error


def test_importing_the_sdk_loads_nothing_of_the_server():
    script = (
        "import sys, idp.rp, idp.rp.aio, idp.rp.provider\nprint('\\n'.join(sorted(sys.modules)))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    server = [
        name
        for name in loaded
        if (name.startswith("idp.") and not name.startswith("idp.rp"))
        or name.split(".")[0] in ("fastapi", "starlette", "sqlalchemy", "authlib", "pydantic")
    ]
    assert server == []
