"""Request parameters as the spec reads them (RFC 6749 §3.1, §3.2): a parameter sent
without a value is treated as omitted, and none may be included more than once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from idp.errors import InvalidRequestError

MAX_PARAMETER_LENGTH = 8192
# RFC 8707 §2 and RFC 8693 §2.1 let these repeat; their values are URIs or names
# without spaces, so they are joined with one.
REPEATABLE = frozenset({"resource", "audience"})


def single_valued(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in REPEATABLE and name in params and value:
            params[name] = f"{params[name]} {value}"
            continue
        if name in params:
            raise InvalidRequestError(f"parameter {name!r} is included more than once")
        if len(value) > MAX_PARAMETER_LENGTH:
            raise InvalidRequestError(f"parameter {name!r} is too long")
        if value != "":
            params[name] = value
    return params


def require(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if value is None:
        raise InvalidRequestError(f"missing required parameter {name!r}")
    return value
