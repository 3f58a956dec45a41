"""One error model for every protocol surface (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1;
OIDC Core §3.1.2.6).

Each subclass is named after the spec's error code. ``description`` is shown to the
client; ``debug`` is for logs only. ``redirectable`` is False when the error must not
be sent to the client's redirect URI (unknown client, unregistered redirect URI).
"""

from __future__ import annotations

from typing import ClassVar


class ProtocolError(Exception):
    error: ClassVar[str] = "invalid_request"
    status_code: ClassVar[int] = 400

    def __init__(
        self, description: str, *, debug: str | None = None, redirectable: bool = True
    ) -> None:
        super().__init__(description)
        self.description = description
        self.debug = debug
        self.redirectable = redirectable
        self.redirect_uri: str | None = None
        self.state: str | None = None

    def bind_redirect(self, redirect_uri: str, state: str | None) -> ProtocolError:
        """Send this error to a redirect URI already checked against the client's."""
        if self.redirectable:
            self.redirect_uri, self.state = redirect_uri, state
        return self


class InvalidRequestError(ProtocolError):
    error = "invalid_request"


class InvalidClientError(ProtocolError):
    error = "invalid_client"
    status_code = 401


class InvalidGrantError(ProtocolError):
    error = "invalid_grant"


class UnauthorizedClientError(ProtocolError):
    error = "unauthorized_client"


class UnsupportedGrantTypeError(ProtocolError):
    error = "unsupported_grant_type"


class UnsupportedResponseTypeError(ProtocolError):
    error = "unsupported_response_type"


class InvalidScopeError(ProtocolError):
    error = "invalid_scope"


class AccessDeniedError(ProtocolError):
    error = "access_denied"


class LoginRequiredError(ProtocolError):
    error = "login_required"  # OIDC Core §3.1.2.6


class ConsentRequiredError(ProtocolError):
    error = "consent_required"  # OIDC Core §3.1.2.6


class RequestNotSupportedError(ProtocolError):
    error = "request_not_supported"  # OIDC Core §3.1.2.6


class RequestUriNotSupportedError(ProtocolError):
    error = "request_uri_not_supported"  # OIDC Core §3.1.2.6


class InvalidTargetError(ProtocolError):
    error = "invalid_target"  # RFC 8707 §2


class AuthorizationPendingError(ProtocolError):
    error = "authorization_pending"  # RFC 8628 §3.5


class SlowDownError(ProtocolError):
    error = "slow_down"  # RFC 8628 §3.5


class ExpiredTokenError(ProtocolError):
    error = "expired_token"  # RFC 8628 §3.5


class InvalidRequestUriError(ProtocolError):
    error = "invalid_request_uri"  # OIDC Core §3.1.2.6; RFC 9126 §4


class InvalidTokenError(ProtocolError):
    error = "invalid_token"  # RFC 6750 §3.1
    status_code = 401


class InsufficientScopeError(ProtocolError):
    error = "insufficient_scope"  # RFC 6750 §3.1
    status_code = 403


class RequestTooLargeError(ProtocolError):
    error = "invalid_request"
    status_code = 413
