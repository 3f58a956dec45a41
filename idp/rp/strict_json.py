"""JSON as the JOSE specs read it: an object whose member names are unique (RFC 7515
§5.2 step 4, RFC 7519 §7.2 step 9; RFC 8725 §3.12 against parser differentials), with
no NaN or Infinity (RFC 8259 §6)."""

from __future__ import annotations

import json
from typing import Any


class InvalidJson(ValueError):
    pass


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise InvalidJson("duplicate member name")
    return members


def _no_constant(name: str) -> Any:
    raise InvalidJson(f"{name} is not JSON")


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_members, parse_constant=_no_constant)


def loads(data: bytes) -> Any:
    """The JSON value ``data`` (UTF-8) holds; InvalidJson if it is none."""
    try:
        return _DECODER.decode(data.decode())
    except (ValueError, RecursionError) as exc:  # InvalidJson, JSONDecodeError, bad UTF-8
        raise InvalidJson(str(exc) if isinstance(exc, InvalidJson) else "not JSON") from None


def loads_object(data: bytes) -> dict[str, Any]:
    """The JSON object ``data`` (UTF-8) holds; InvalidJson for anything else."""
    value = loads(data)
    if not isinstance(value, dict):
        raise InvalidJson("not a JSON object")
    return value
