"""Request parameters as the spec reads them (RFC 6749 §3.1, §3.2): a parameter sent
without a value is treated as omitted, and none may be included more than once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from idp.errors import InvalidRequestError

MAX_PARAMETER_LENGTH = 8192
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
        if len(value) > MAX_PARAMETER_LENGTH:
            raise InvalidRequestError(f"parameter {name!r} is too long")
        if name in REPEATABLE and name in params and value:
            params[name] = f"{params[name]} {value}"
        elif name in seen:
            repeated.add(name)
        elif value != "":
            params[name] = value
        seen.add(name)
    return params, frozenset(repeated)


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
