"""One error model for every protocol surface (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1;
OIDC Core §3.1.2.6).

Each subclass is named after the spec's error code. ``description`` is shown to the
client; ``debug`` is for logs only. ``redirectable`` is False when the error must not
be sent to the client's redirect URI (unknown client, unregistered redirect URI).
An error knows the headers it needs (a challenge, ``Retry-After``); renderers add them.
On the admin API an error is an RFC 9457 problem (idp.http.problems): ``problem_type``
names its kind (``about:blank``, §4.2.1, when the status says it all), and
``problem_members`` are the extension members its type defines (§3.2).
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

REALM = "tessera"


class ProtocolError(Exception):
    error: ClassVar[str] = "invalid_request"
    status_code: ClassVar[int] = 400
    # RFC 6750 §3.1: a request without credentials is told only the challenge.
    reports_error: ClassVar[bool] = True
    problem_type: ClassVar[str] = "about:blank"  # RFC 9457 §4.2.1
    problem_title: ClassVar[str | None] = None  # None: the status's reason phrase

    def __init__(
        self, description: str, *, debug: str | None = None, redirectable: bool = True
    ) -> None:
        super().__init__(description)
        self.description = description
        self.debug = debug
        self.redirectable = redirectable
        self.redirect_uri: str | None = None
        self.state: str | None = None

    def redirected_to(self, redirect_uri: str, state: str | None) -> ProtocolError:
        """This error as it goes to a redirect URI already checked against the client's
        (a copy; this one is left as it is)."""
        if not self.redirectable:
            return self
        redirected = copy.copy(self)
        redirected.redirect_uri, redirected.state = redirect_uri, state
        return redirected

    @property
    def public_description(self) -> str:
        """RFC 6749 §4.1.2.1, §5.2 (and RFC 6750 §3): error_description may only hold
        %x20-21 / %x23-5B / %x5D-7E, so echoed input cannot smuggle anything in."""
        return "".join(
            ch if 0x20 <= ord(ch) <= 0x7E and ch not in '"\\' else "?" for ch in self.description
        )

    def headers(self) -> dict[str, str]:
        """Response headers this error calls for, beyond the body."""
        return {}

    def problem_members(self) -> dict[str, Any]:
        """RFC 9457 §3.2: the extension members of this error's problem type."""
        return {}


class InvalidRequestError(ProtocolError):
    error = "invalid_request"


class InvalidClientError(ProtocolError):
    error = "invalid_client"
    status_code = 401

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": f'Basic realm="{REALM}"'}  # RFC 6749 §5.2


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


class BearerChallengeError(ProtocolError):
    """Errors of a protected resource: RFC 6750 §3 puts them in the challenge too."""

    def headers(self) -> dict[str, str]:
        challenge = (
            f'Bearer realm="{REALM}", error="{self.error}", '
            f'error_description="{self.public_description}"'
        )
        return {"WWW-Authenticate": challenge}


class InvalidTokenError(BearerChallengeError):
    error = "invalid_token"  # RFC 6750 §3.1
    status_code = 401


class InsufficientScopeError(BearerChallengeError):
    error = "insufficient_scope"  # RFC 6750 §3.1
    status_code = 403


class RequestTooLargeError(ProtocolError):
    error = "invalid_request"
    status_code = 413


class TemporarilyUnavailableError(ProtocolError):
    """RFC 6749 §4.1.2.1: the server cannot handle the request now (the database is
    unreachable, or this node's copy of it is too old to trust); retry later."""

    error = "temporarily_unavailable"
    status_code = 503
    retry_after = 5

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}  # RFC 9110 §10.2.3


class NotFoundError(InvalidRequestError):
    """RFC 9110 §15.5.5: no such resource (a status list that does not exist, or no
    longer does)."""

    status_code = 404


class ConflictError(InvalidRequestError):
    """RFC 9110 §15.5.10: the request conflicts with what exists (a receiver's stream
    limit, SSF 1.0 §8.1.1.1)."""

    status_code = 409


class TooManyRequestsError(InvalidRequestError):
    """RFC 6585 §4: too many requests of this kind (SSF 1.0 §8.1.4 verification)."""

    status_code = 429
    retry_after = 5

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class NotAcceptableError(InvalidRequestError):
    """RFC 9110 §15.5.7: no representation the request's Accept header allows."""

    status_code = 406


class NotImplementedByServerError(InvalidRequestError):
    """RFC 9110 §15.6.2: a feature of the request this server does not support."""

    status_code = 501


class UnmetAuthenticationRequirementsError(ProtocolError):
    """OpenID Connect Core Error Code unmet_authentication_requirements 1.0 §1 (in the
    IANA OAuth Extensions Error registry): the requested authentication context class
    cannot be met for this user (only ``urn:tessera:acr:phr`` asked, and no passkey)."""

    error = "unmet_authentication_requirements"


class InvalidFieldError(InvalidRequestError):
    """A member of a JSON request body is missing, of the wrong type or out of bounds;
    its problem names the member (``field``)."""

    problem_type = "urn:tessera:problem:invalid-field"
    problem_title = "A field of the request body is invalid"

    def __init__(self, field: str, description: str) -> None:
        super().__init__(f"{field}: {description}")
        self.field = field

    def problem_members(self) -> dict[str, Any]:
        return {"field": self.field}


class UnsupportedMediaTypeError(InvalidRequestError):
    """RFC 9110 §15.5.16: the request body is not in a media type the resource takes."""

    status_code = 415


class UnprocessableContentError(InvalidRequestError):
    """RFC 9110 §15.5.21: well-formed content whose instructions cannot be carried out."""

    status_code = 422


class PreconditionFailedError(InvalidRequestError):
    """RFC 9110 §15.5.13: a condition of the request (If-Match) is false."""

    status_code = 412


class PreconditionRequiredError(InvalidRequestError):
    """RFC 6585 §3: the resource is changed only conditionally (If-Match)."""

    status_code = 428
