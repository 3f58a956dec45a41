"""The SDK's public surface is small and pinned, and importing it loads nothing of the
server (ARCHITECTURE: idp.rp stands alone; the import-linter contract holds the same
line statically)."""

from __future__ import annotations

import subprocess
import sys

import idp.rp
from idp.rp import TokenError

PUBLIC = [
    "AppSession",
    "AsyncClientCredentials",
    "AsyncLocalPolicies",
    "AsyncProvider",
    "AsyncRevocationFollower",
    "AsyncWebLogin",
    "AuthenticationTooOld",
    "AuthzExtraMissing",
    "BundleDigestMismatch",
    "Claims",
    "ClientCredentials",
    "ExpiredToken",
    "InMemorySessionRegistry",
    "InsufficientAuthentication",
    "InsufficientRole",
    "InsufficientScope",
    "InvalidAccessTokenHash",
    "InvalidAudience",
    "InvalidBundleIssuer",
    "InvalidBundleSignature",
    "InvalidClaims",
    "InvalidIssuer",
    "InvalidLoginState",
    "InvalidNonce",
    "InvalidRequest",
    "InvalidSignature",
    "InvalidTokenType",
    "IssuedToken",
    "LocalPolicies",
    "LoggedOut",
    "LoginError",
    "LoginRefused",
    "MalformedBundle",
    "MalformedToken",
    "MissingToken",
    "NotYetValid",
    "PolicyBundleError",
    "Provider",
    "ProviderUnavailable",
    "ReplayedToken",
    "ResourceServer",
    "RevocationFollower",
    "RevokedToken",
    "SeenTokens",
    "SessionEnded",
    "SessionRecord",
    "SessionRegistry",
    "StaleBundle",
    "StaleRevocationState",
    "SuspendedToken",
    "TokenError",
    "TokenRequestFailed",
    "TokenTooLarge",
    "UnknownKey",
    "UnsafeReturnTo",
    "UnsupportedAlgorithm",
    "UnsupportedHeader",
    "WebLogin",
    "WebLoginSettings",
]
# Raised by the token requests (TokenRequestFailed) and the web-app sign-in (LoginError).
NOT_ABOUT_A_TOKEN = {
    "TokenRequestFailed",
    "LoginError",
    "InvalidLoginState",
    "LoginRefused",
    "UnsafeReturnTo",
    "SessionEnded",
}
ANSWERS = {  # RFC 6750 §3.1, RFC 9470 §3; None: not the token's fault (503)
    "InsufficientScope": ("insufficient_scope", 403),
    "InsufficientRole": ("insufficient_scope", 403),
    "InvalidRequest": ("invalid_request", 400),
    "MissingToken": (None, 401),
    "InsufficientAuthentication": ("insufficient_user_authentication", 401),
    "AuthenticationTooOld": ("insufficient_user_authentication", 401),
    "StaleRevocationState": (None, 503),
    "ProviderUnavailable": (None, 503),
    # a policy bundle the SDK refuses: the provider's fault, no token's
    "PolicyBundleError": (None, 503),
    "InvalidBundleSignature": (None, 503),
    "InvalidBundleIssuer": (None, 503),
    "BundleDigestMismatch": (None, 503),
    "MalformedBundle": (None, 503),
    "StaleBundle": (None, 503),
}
# An install without the authz extra: said when local decisions are asked for.
NOT_AN_ANSWER = {"AuthzExtraMissing"}


def test_the_public_api_is_pinned():
    assert sorted(idp.rp.__all__) == PUBLIC
    assert all(hasattr(idp.rp, name) for name in PUBLIC)


def test_every_error_is_a_token_error_with_its_answer__rfc6750_s3_1():
    errors = [
        getattr(idp.rp, name)
        for name in PUBLIC
        if isinstance(getattr(idp.rp, name), type)
        and issubclass(getattr(idp.rp, name), Exception)
        and name not in NOT_ABOUT_A_TOKEN | NOT_AN_ANSWER
    ]
    assert all(issubclass(error, TokenError) for error in errors)
    for error in errors:
        expected = ANSWERS.get(error.__name__, ("invalid_token", 401))
        assert (error.error, error.status_code) == expected, error


def test_a_missing_policy_engine_is_an_import_error():
    assert issubclass(idp.rp.AuthzExtraMissing, ImportError)
    assert not issubclass(idp.rp.AuthzExtraMissing, TokenError)


def test_a_refused_token_request_or_sign_in_is_no_token_error():
    """The provider refusing to issue a token, or a sign-in that cannot go on, is not a
    token the application was sent."""
    for name in NOT_ABOUT_A_TOKEN:
        assert not issubclass(getattr(idp.rp, name), TokenError), name
    for name in NOT_ABOUT_A_TOKEN - {"TokenRequestFailed"}:
        assert issubclass(getattr(idp.rp, name), idp.rp.LoginError), name


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
        or name.split(".")[0]
        in ("fastapi", "starlette", "flask", "werkzeug", "sqlalchemy", "authlib", "pydantic")
    ]
    assert server == []
