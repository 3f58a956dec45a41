"""What the SDK raises. Every failure to validate a token is a ``TokenError``: a
subclass per rule, its message saying what failed without repeating the token (or any
value taken from it). ``error`` and ``status_code`` are what a resource server answers
(RFC 6750 §3.1, RFC 9470 §3); ``error`` is None when the token is not at fault (the
provider cannot be reached, the revocation state is too old): answer 503 then."""

from __future__ import annotations

from typing import ClassVar


class TokenError(Exception):
    error: ClassVar[str | None] = "invalid_token"
    status_code: ClassVar[int] = 401


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
