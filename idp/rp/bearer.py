"""Bearer tokens on the resource server's side of HTTP: taking the token out of the
``Authorization`` header (RFC 6750 §2.1) and answering a refusal with its challenge
(RFC 6750 §3, the step-up parameters of RFC 9470 §3). Framework-neutral: the
integrations (idp.rp.fastapi, idp.rp.asgi, idp.rp.flask) turn a ``Refusal`` into their
own response."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from idp.rp.errors import (
    InsufficientAuthentication,
    InsufficientScope,
    InvalidRequest,
    MissingToken,
    TokenError,
)

# RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token (the scheme is case-insensitive,
# RFC 9110 §11.1).
_BEARER = re.compile(r"bearer +(?P<token>[A-Za-z0-9\-._~+/]+=*)", re.IGNORECASE)
# RFC 6750 §3: the values of error_description and scope are limited to these.
_UNQUOTABLE = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")
RETRY_AFTER = 5  # s, for a refusal that is not the token's fault
NOT_STORED = {"Cache-Control": "no-store"}
UNAVAILABLE = "the access token cannot be checked now"


def bearer_token(authorization: Sequence[str]) -> str:
    """The token of the request's ``Authorization`` header fields (all of them)."""
    if not authorization:
        raise MissingToken("the request has no access token")
    if len(authorization) > 1:  # RFC 6750 §3.1: more than one method
        raise InvalidRequest("the request has more than one Authorization header")
    value = authorization[0].strip()
    scheme = value.split(" ", 1)[0]
    if scheme.lower() != "bearer":  # another authentication scheme: as if none (§3.1)
        raise MissingToken("the request has no bearer token")
    match = _BEARER.fullmatch(value)
    if match is None:
        raise InvalidRequest("the Authorization header is not a bearer token")
    return match["token"]


@dataclass(frozen=True, slots=True)
class Requirement:
    """What a route asks of the access token: every one of ``scopes`` and ``roles``,
    and when given, a user authentication of one of ``acr_values`` at most
    ``max_age`` seconds old (RFC 9470)."""

    scopes: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    acr_values: tuple[str, ...] | None = None
    max_age: int | None = None

    @classmethod
    def of(
        cls,
        scopes: str | Collection[str] = (),
        roles: str | Collection[str] = (),
        acr_values: str | Collection[str] | None = None,
        max_age: int | None = None,
    ) -> Requirement:
        """From space-separated strings or collections of strings."""
        acr = None if acr_values is None else tuple(_words(acr_values))
        return cls(frozenset(_words(scopes)), frozenset(_words(roles)), acr, max_age)


@dataclass(frozen=True, slots=True)
class Refusal:
    """The answer to a request refused for its token: status, headers and a JSON body."""

    status: int
    headers: dict[str, str]
    body: dict[str, str]


def refusal(error: TokenError, requirement: Requirement, realm: str | None = None) -> Refusal:
    """RFC 6750 §3: 401, 400 or 403 with a ``WWW-Authenticate: Bearer`` challenge; no
    error code when the request carried no token (§3.1). A refusal that is not the
    token's fault (the provider unreachable, the revocation state stale) is a 503 that
    says no more: what failed inside is the operator's to read (logged by the caller)."""
    if error.status_code == 503:
        body = {"error": "temporarily_unavailable", "error_description": UNAVAILABLE}
        return Refusal(503, {"Retry-After": str(RETRY_AFTER), **NOT_STORED}, body)
    parameters = {"realm": realm} if realm is not None else {}
    body = {"error_description": str(error)}
    if error.error is not None:
        parameters |= {"error": error.error, "error_description": _quotable(str(error))}
        parameters |= _challenge_details(error, requirement)
        body = {"error": error.error, **body}
    headers = {"WWW-Authenticate": challenge(parameters), **NOT_STORED}
    return Refusal(error.status_code, headers, body)


def challenge(parameters: dict[str, str]) -> str:
    """RFC 6750 §3: ``Bearer`` and its auth-params as quoted strings."""
    if not parameters:
        return "Bearer"
    return "Bearer " + ", ".join(f'{name}="{value}"' for name, value in parameters.items())


def _challenge_details(error: TokenError, requirement: Requirement) -> dict[str, str]:
    """The scope the route needs (RFC 6750 §3); the strength and freshness it needs,
    which a new authentication must meet together (RFC 9470 §3)."""
    details: dict[str, str] = {}
    if type(error) is InsufficientScope and requirement.scopes:  # not a role missing
        details["scope"] = _quotable(" ".join(sorted(requirement.scopes)))
    if isinstance(error, InsufficientAuthentication):
        if requirement.acr_values:
            details["acr_values"] = _quotable(" ".join(requirement.acr_values))
        if requirement.max_age is not None:
            details["max_age"] = str(requirement.max_age)
    return details


def _words(value: str | Collection[str]) -> list[str]:
    return value.split() if isinstance(value, str) else list(value)


def _quotable(text: str) -> str:
    return _UNQUOTABLE.sub("?", text)
