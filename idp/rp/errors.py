"""What the SDK raises. Every failure to validate a token is a ``TokenError``: a
subclass per rule, its message saying what failed without repeating the token (or any
value taken from it). ``error`` and ``status_code`` are what a resource server answers
(RFC 6750 §3.1, RFC 9470 §3); ``error`` is None when the token is not at fault (the
provider cannot be reached, the revocation state is too old): answer 503 then, or
the request carries no token (a 401 whose challenge has no error code)."""

from __future__ import annotations

from typing import ClassVar


class TokenError(Exception):
    error: ClassVar[str | None] = "invalid_token"
    status_code: ClassVar[int] = 401


class MissingToken(TokenError):
    """The request carries no bearer token: a challenge without an error code (RFC 6750
    §3.1)."""

    error = None


class InvalidRequest(TokenError):
    """The ``Authorization`` header is not one bearer token (RFC 6750 §2.1, §3.1)."""

    error = "invalid_request"
    status_code = 400


class MalformedToken(TokenError):
    """Not a compact JWS of JSON objects (RFC 7515 §7.1, RFC 7519 §7.2)."""


class TokenTooLarge(MalformedToken):
    """Longer than the provider's ``max_token_size``; refused before any decoding."""


class UnsupportedAlgorithm(TokenError):
    """``alg`` is not an asymmetric algorithm the provider signs with (RFC 8725 §3.1)."""


class UnsupportedHeader(TokenError):
    """A header that points at keys (``jku``, ``x5u``, ``jwk``, ``x5c``) or a ``crit``
    extension the SDK does not implement (RFC 7515 §4.1.11, RFC 8725 §3.10)."""


class InvalidTokenType(TokenError):
    """``typ`` names another kind of token (RFC 8725 §3.11)."""


class UnknownKey(TokenError):
    """No key of the provider's JWKS has the token's ``kid``."""


class InvalidSignature(TokenError):
    pass


class InvalidClaims(TokenError):
    """A claim is missing, of the wrong type, or does not hold."""


class InvalidIssuer(InvalidClaims):
    pass


class InvalidAudience(InvalidClaims):
    pass


class ExpiredToken(InvalidClaims):
    pass


class NotYetValid(InvalidClaims):
    """``nbf`` or ``iat`` is in the future (beyond the leeway)."""


class InvalidNonce(InvalidClaims):
    pass


class InvalidAccessTokenHash(InvalidClaims):
    """The ID token's ``at_hash`` is not that of the access token (OIDC Core §3.2.2.9)."""


class InsufficientScope(TokenError):
    error = "insufficient_scope"
    status_code = 403


class InsufficientRole(InsufficientScope):
    """The token's ``roles`` (RFC 9068 §7.2.1.1) lack one the route requires: more
    privilege than the token has, as RFC 6750 §3.1 words insufficient_scope."""


class InsufficientAuthentication(TokenError):
    """``acr`` is not one the caller accepts (RFC 9470 §3)."""

    error = "insufficient_user_authentication"


class AuthenticationTooOld(InsufficientAuthentication):
    """``auth_time`` is older than ``max_age`` allows (OIDC Core §3.1.3.7 step 13)."""


class RevokedToken(TokenError):
    """Taken back: by the token's status list, or an event of the security event stream."""


class SuspendedToken(RevokedToken):
    """Suspended (status 2, or the subject's account disabled): may be valid again later."""


class ReplayedToken(TokenError):
    """A logout token whose ``jti`` was seen already (Back-Channel Logout 1.0 §2.6)."""


class StaleRevocationState(TokenError):
    """No revocation information newer than ``max_staleness`` is available."""

    error = None
    status_code = 503


class ProviderUnavailable(TokenError):
    """The provider is down, too slow, or answers what is not its documents."""

    error = None
    status_code = 503


class PolicyBundleError(ProviderUnavailable):
    """A policy bundle (local decisions, idp.rp.policies) the SDK refuses; the last
    good bundle stays in force, and without one every decision is a deny."""


class InvalidBundleSignature(PolicyBundleError):
    """The bundle is not signed by a key of the provider's JWKS (RFC 7515 §5.2)."""


class InvalidBundleIssuer(PolicyBundleError):
    """The bundle's ``iss`` is not the provider's issuer."""


class BundleDigestMismatch(PolicyBundleError):
    """The bundle's ETag, its ``digest`` and its content (or the digest of the policies
    compiled from it and the version's) do not agree."""


class MalformedBundle(PolicyBundleError):
    """Signed, but not a policy bundle (its typ, its shape), or it does not compile."""


class StaleBundle(PolicyBundleError):
    """An older policy version than the bundle in force (a node lagging behind)."""


class AuthzExtraMissing(ImportError):
    """Local decisions need the policy engine: ``pip install 'tessera-idp[authz]'``."""


class LoginError(Exception):
    """A sign-in through the web-app helper (idp.rp.web_login) that cannot go on, or an
    app session that is over: the browser signs in again. Messages hold no token."""


class InvalidLoginState(LoginError):
    """The callback has no login transaction of this browser: its cookie is missing,
    tampered with or expired, or the ``state`` is another's (RFC 6749 §10.12)."""


class ProviderRefusal(Exception):
    """An error response of the provider: ``error`` its code, ``description`` its
    ``error_description``, if any (RFC 6749 §4.1.2.1, §5.2); ``refused`` says what."""

    refused: ClassVar[str]

    def __init__(self, error: str, description: str | None = None) -> None:
        super().__init__(error, description)
        self.error = error
        self.description = description

    def __str__(self) -> str:
        suffix = f": {self.description}" if self.description else ""
        return f"the provider refused {self.refused} ({self.error}){suffix}"


class LoginRefused(ProviderRefusal, LoginError):
    """The provider answered with an error (OIDC Core §3.1.2.6) or refused the code
    (RFC 6749 §5.2)."""

    refused = "the sign-in"


class UnsafeReturnTo(LoginError, ValueError):
    """The page to return to is not a path of this application (an open redirect)."""


class SessionEnded(LoginError):
    """The app session ended (signed out, a back-channel logout, a timeout), or its
    tokens can no longer be renewed."""


class TokenRequestFailed(ProviderRefusal):
    """The provider refused to issue a token (RFC 6749 §5.2): ``error`` is its code
    (``invalid_client``, ``invalid_grant``, ``invalid_scope``, ``invalid_target``, ...).
    Not a ``TokenError``: no token presented to this application is at fault. A provider
    that cannot be reached or answers garbage raises ``ProviderUnavailable`` instead."""

    refused = "the token request"
