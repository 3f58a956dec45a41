"""A user's attributes as the Cedar types a policy version declares for them.

The same values reach the engine two ways: from storage on the server (the decision
point, typed by idp.authz.model: a string, a number, a boolean, a list of strings) and,
in the SDK, from the attribute claims of an access token (idp.authz.claims releases the
stored value as JSON: a list for a string list). Both are typed here, so a local and a
remote decision see the same principal:

a string as ``string`` (or ``ipaddr``, ``datetime``, an ``entity`` id of the declared
type), a whole number as ``long``, a number as ``decimal`` (at most four digits after
the point), a boolean as ``boolean``, a list of strings as ``string_set`` (or
``entity_set``). A value that does not fit its declaration is left out, and so is an
undeclared one: Cedar then denies a request whose policies need a required attribute
the user lacks, naming it (fail closed).

Pure: imports only the standard library and cedar_schema.py (the SDK shares it).
"""

from __future__ import annotations

import datetime as dt
import decimal
import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from idp.authz.cedar_schema import AttributeDecl, AttributeType
from idp.authz.entities import EntityUid


def cedar_attributes(
    declared: Iterable[AttributeDecl], values: Mapping[str, Any]
) -> dict[str, Any]:
    """The values the version declares, as their declared Cedar types."""
    typed: dict[str, Any] = {}
    for attribute in declared:
        if attribute.name in values:
            value = typed_value(attribute, values[attribute.name])
            if value is not None:
                typed[attribute.name] = value
    return typed


def typed_value(attribute: AttributeDecl, value: object) -> Any:
    """``value`` as ``attribute`` declares it, or None when it does not fit."""
    kind = attribute.type
    if isinstance(value, bool):
        return value if kind is AttributeType.BOOLEAN else None
    if isinstance(value, int | float):
        return _number(kind, value)
    if isinstance(value, str):
        return _text(attribute, value)
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        return None
    if kind is AttributeType.STRING_SET:
        return tuple(value)
    if kind is AttributeType.ENTITY_SET and attribute.entity_type is not None:
        return tuple(EntityUid(attribute.entity_type, item) for item in value)
    return None


def _number(kind: AttributeType, value: int | float) -> Any:
    if kind is AttributeType.LONG and float(value).is_integer():
        return int(value)
    if kind is AttributeType.DECIMAL:
        exact = decimal.Decimal(str(value))
        exponent = exact.as_tuple().exponent
        return exact if isinstance(exponent, int) and exponent >= -4 else None
    return None


def _text(attribute: AttributeDecl, value: str) -> Any:
    kind = attribute.type
    if kind is AttributeType.STRING:
        return value
    if kind is AttributeType.ENTITY and attribute.entity_type is not None:
        return EntityUid(attribute.entity_type, value)
    try:
        if kind is AttributeType.IPADDR:
            return ipaddress.ip_network(value) if "/" in value else ipaddress.ip_address(value)
        if kind is AttributeType.DATETIME:
            moment = dt.datetime.fromisoformat(value)
            return moment if moment.tzinfo is not None else None
    except ValueError:
        return None
    return None
