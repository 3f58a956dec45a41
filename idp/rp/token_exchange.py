"""Token exchange (RFC 8693): a service trades a token it was given (the subject
token: a user's access token, say) for one meant for another service, naming itself,
or an actor token's subject, as the party acting for the subject (``act``, §4.1).
Each exchange is one request; nothing is cached."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from idp.rp.caching import CachedDocument
from idp.rp.discovery import ProviderMetadata
from idp.rp.errors import ProviderUnavailable
from idp.rp.flow import Flow
from idp.rp.token_endpoint import (
    VSCHAR,
    ClientAuthentication,
    access_token_of,
    expires_in_of,
    optional_string,
    post_token_request,
    scope_parameter,
    token_type_of,
)

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # RFC 8693 §2.1
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # RFC 8693 §3
TOKEN_TYPES = ("Bearer", "N_A")  # RFC 8693 §2.2.1: N_A for a token that is no access token
PURPOSE = "token exchange response"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """RFC 8693 §2.2.1. ``access_token`` holds the issued token whatever its type;
    ``scope`` is None when the provider did not state it (then it is the scope asked
    for, RFC 6749 §5.1). The repr leaves the tokens out."""

    access_token: str = field(repr=False)
    issued_token_type: str
    token_type: str  # "Bearer", or "N_A"
    expires_in: int | None
    scope: str | None
    refresh_token: str | None = field(default=None, repr=False)


def exchange_form(
    subject_token: str,
    *,
    subject_token_type: str,
    actor_token: str | None,
    actor_token_type: str,
    audience: str | None,
    resource: str | None,
    scope: str | Iterable[str] | None,
    requested_token_type: str | None,
) -> dict[str, str]:
    """RFC 8693 §2.1; the optional parameters only when given."""
    if not subject_token:
        raise ValueError("a subject token is required")
    form = {
        "grant_type": TOKEN_EXCHANGE,
        "subject_token": subject_token,
        "subject_token_type": subject_token_type,
    }
    if actor_token is not None:  # §2.1: actor_token_type REQUIRED with an actor token
        form.update(actor_token=actor_token, actor_token_type=actor_token_type)
    optional = {
        "audience": audience,
        "resource": resource,
        "scope": scope_parameter(scope) if scope is not None else None,
        "requested_token_type": requested_token_type,
    }
    form.update({name: value for name, value in optional.items() if value is not None})
    return form


def exchange_token(
    metadata: CachedDocument[ProviderMetadata],
    client: ClientAuthentication,
    form: dict[str, str],
) -> Flow[IssuedToken]:
    answer = yield from post_token_request(metadata, client, form, PURPOSE)
    return read_issued_token(answer)


def read_issued_token(answer: dict[str, Any]) -> IssuedToken:
    """RFC 8693 §2.2.1: access_token, issued_token_type and token_type required."""
    issued_token_type = answer.get("issued_token_type")
    if not isinstance(issued_token_type, str) or not VSCHAR.fullmatch(issued_token_type):
        raise ProviderUnavailable(f"the {PURPOSE}: no issued_token_type")
    return IssuedToken(
        access_token=access_token_of(answer, PURPOSE),
        issued_token_type=issued_token_type,
        token_type=token_type_of(answer, PURPOSE, TOKEN_TYPES),
        expires_in=expires_in_of(answer, PURPOSE),
        scope=optional_string(answer, "scope", PURPOSE),
        refresh_token=optional_string(answer, "refresh_token", PURPOSE),
    )
