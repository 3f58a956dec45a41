"""Request parameters as the spec reads them (RFC 6749 §3.1, §3.2): a parameter sent
without a value is treated as omitted, and none may be included more than once.

Every value is checked where it arrives: no control characters (no protocol value has
any, and a NUL cannot even be stored by PostgreSQL), and no longer than what storage
holds for it (``PARAMETER_LIMITS``; tests/spec/input_bounds walks every stored column)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from idp.errors import InvalidRequestError

MAX_PARAMETER_LENGTH = 8192
PARAMETER_LIMITS = {
    "client_id": 64,
    "redirect_uri": 2048,
    "scope": 1024,
    "nonce": 512,
    "code_challenge": 128,
    "state": 2048,  # travels in the sealed interaction URL
    "login_hint": 255,
    "acr_values": 1024,  # travels in the sealed interaction URL
    "resource": 2048,  # each one
    "audience": 2048,  # each one
    "username": 255,
    "password": 1024,  # idp.authn.passwords.MAX_PASSWORD_LENGTH
    "jti": 255,  # of a client assertion (RFC 7523 §3), kept until it expires
}
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# RFC 8707 §2 and RFC 8693 §2.1 let these repeat; their values are URIs or names
# without spaces, so they are joined with one.
REPEATABLE = frozenset({"resource", "audience"})


def first_values(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], frozenset[str]]:
    """The parameters, and the names that were repeated (the endpoint decides how to
    answer: the authorization endpoint may only redirect the error once it trusts the
    redirect URI)."""
    params: dict[str, str] = {}
    seen: set[str] = set()
    repeated: set[str] = set()
    for name, value in pairs:
        check_parameter(name, value)
        if value == "":
            continue  # RFC 6749 §3.1: treated as omitted
        if name in REPEATABLE and name in params:
            params[name] = f"{params[name]} {value}"
        elif name in seen:
            repeated.add(name)
        else:
            params[name] = value
        seen.add(name)
    return params, frozenset(repeated)


def check_parameter(name: str, value: str) -> None:
    if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value):
        raise InvalidRequestError(f"parameter {name!r} contains control characters")
    limit = PARAMETER_LIMITS.get(name, MAX_PARAMETER_LENGTH)
    if len(value) > limit:
        raise InvalidRequestError(f"parameter {name!r} is longer than {limit} characters")


def single_valued(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    params, repeated = first_values(pairs)
    check_not_repeated(repeated)
    return params


def check_not_repeated(repeated: frozenset[str]) -> None:
    if repeated:
        names = ", ".join(sorted(repeated))
        raise InvalidRequestError(f"parameters included more than once: {names}")


def require(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if value is None:
        raise InvalidRequestError(f"missing required parameter {name!r}")
    return value
