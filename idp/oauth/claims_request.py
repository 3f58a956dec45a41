"""The ``claims`` authorization request parameter (OIDC Core §5.5), parsed where the rest
of the authorization request is checked (as ``acr_values`` is).

Tessera acts on the ``acr`` member (§5.5.1.1): an essential ``acr`` with ``value`` or
``values`` is a requirement the sign-in must meet, or fail with
``unmet_authentication_requirements`` (OpenID Connect Core Error Code
unmet_authentication_requirements 1.0). Other individual claims are accepted and not
released beyond what the granted scope releases: §5.5.1 lets an OP return fewer claims
than requested, without an error."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from idp.errors import InvalidRequestError

MEMBERS = ("id_token", "userinfo")  # §5.5: the members Tessera reads; others are ignored
MAX_CLAIMS_LENGTH = 2048  # characters of JSON: ample; its acr values travel in the interaction URL


@dataclass(frozen=True)
class AcrRequest:
    """The ``acr`` claim as the request asks for it (§5.5.1.1)."""

    values: tuple[str, ...]
    essential: bool = False


def check_claims(params: Mapping[str, str]) -> AcrRequest | None:
    """The ``acr`` the ``claims`` parameter asks for, if it asks for one; a parameter
    that is not the JSON object §5.5 describes is refused with invalid_request."""
    raw = params.get("claims")
    if raw is None:
        return None
    members = _members(_parse(raw))
    requests = [_acr_request(member["acr"]) for member in members if "acr" in member]
    requests = [request for request in requests if request.values]
    if not requests:
        return None
    # The ID token's request first: that is where §5.5.1.1 says the value must match.
    essential = any(request.essential for request in requests)
    values = tuple(dict.fromkeys(value for request in requests for value in request.values))
    return AcrRequest(values, essential)


def _parse(raw: str) -> dict[str, Any]:
    if len(raw) > MAX_CLAIMS_LENGTH:
        raise InvalidRequestError(f"claims must be at most {MAX_CLAIMS_LENGTH} characters")
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidRequestError("claims must be a JSON object (OIDC Core §5.5)") from None
    if not isinstance(parsed, dict):
        raise InvalidRequestError("claims must be a JSON object (OIDC Core §5.5)")
    return parsed


def _members(claims: dict[str, Any]) -> list[dict[str, Any]]:
    members = []
    for name in MEMBERS:
        member = claims.get(name)
        if member is None:
            continue
        if not isinstance(member, dict):
            raise InvalidRequestError(f"claims.{name} must be a JSON object")
        for claim, request in member.items():
            if request is not None and not isinstance(request, dict):
                # §5.5.1: each claim is null (default manner) or an object.
                raise InvalidRequestError(f"claims.{name}.{claim} must be null or an object")
        members.append(member)
    return members


def _acr_request(request: dict[str, Any] | None) -> AcrRequest:
    if request is None:
        return AcrRequest(())
    essential = request.get("essential", False)
    if not isinstance(essential, bool):
        raise InvalidRequestError("claims: essential must be true or false (OIDC Core §5.5.1)")
    values = [request["value"]] if "value" in request else request.get("values", [])
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise InvalidRequestError("claims: acr value(s) must be strings (OIDC Core §5.5.1)")
    return AcrRequest(tuple(dict.fromkeys(values)), essential)
