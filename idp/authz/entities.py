"""The Cedar entities a request needs, built from plain data.

Cedar entities, JSON format: https://docs.cedarpolicy.com/auth/entities-syntax.html.
A request hands Cedar only what it can touch: the principal with the ancestor closure
of its groups and roles as its parents (Tessera's hierarchy `User in Group in Role`,
flattened once per model version), the resource with its attributes and its parents
(and any group or role its attributes name, with its closure), and the context.
Values become Cedar's: `str`, `int` (a 64-bit Long), `bool`, :class:`EntityUid`, sets,
records (mappings), and the extension types
`decimal.Decimal` (decimal), `ipaddress` addresses and networks (ipaddr), aware
`datetime` (datetime) and `timedelta` (duration).

Anything Cedar could not take is an :class:`EntityDataError` naming where it is; the
engine turns it into a deny, never an escaping exception.

Pure: imports only the standard library (the SDK shares it).
"""

from __future__ import annotations

import datetime as dt
import decimal
import ipaddress
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from idp.authz.cedar_schema import CLIENT, GROUP, ROLE, USER

LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
MAX_VALUE_DEPTH = 8  # records and sets inside records and sets
MAX_SET_SIZE = 1000
MAX_RECORD_SIZE = 256  # attributes of an entity, fields of a record
MAX_STRING = 4096
MAX_RESOURCE_PARENT_DEPTH = 16
MAX_ENTITIES = 2048  # per request: principal closure + resource and its parents


class EntityDataError(ValueError):
    """Request data Cedar cannot take; the message names the field."""


@dataclass(frozen=True, slots=True, order=True)
class EntityUid:
    type: str
    id: str

    def cedar(self) -> dict[str, str]:
        return {"type": self.type, "id": self.id}

    def __str__(self) -> str:
        return f"{self.type}::{_quote(self.id)}"


def user(user_id: str) -> EntityUid:
    return EntityUid(USER, user_id)


def group(group_id: str) -> EntityUid:
    return EntityUid(GROUP, group_id)


def role(role_id: str) -> EntityUid:
    return EntityUid(ROLE, role_id)


def client(client_id: str) -> EntityUid:
    return EntityUid(CLIENT, client_id)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who asks: a user (or a client acting for itself), its attributes, and the groups
    and roles it is directly in (the closure comes from :class:`Hierarchy`)."""

    uid: EntityUid
    attributes: Mapping[str, Any] = field(default_factory=dict)
    parents: tuple[EntityUid, ...] = ()


@dataclass(frozen=True, slots=True)
class Resource:
    """What is asked about: its attributes and its parents (a folder it is in), each
    parent a Resource of its own with its attributes and parents."""

    uid: EntityUid
    attributes: Mapping[str, Any] = field(default_factory=dict)
    parents: tuple[Resource, ...] = ()


class Hierarchy:
    """Tessera's groups and roles as a graph of direct edges (`Group in Group`,
    `Group in Role`, `Role in Role`), read once per model version; each node's ancestor
    closure, and the Cedar JSON of each node, is computed once and kept. A cycle
    (refused by the RBAC model) cannot loop here: the walk keeps what it has seen."""

    def __init__(self, parents: Mapping[EntityUid, Iterable[EntityUid]]) -> None:
        self._parents: dict[EntityUid, tuple[EntityUid, ...]] = {
            node: tuple(dict.fromkeys(edges)) for node, edges in parents.items()
        }
        self._ancestors: dict[EntityUid, frozenset[EntityUid]] = {}
        self._json: dict[EntityUid, str] = {}

    def parents_of(self, node: EntityUid) -> tuple[EntityUid, ...]:
        return self._parents.get(node, ())

    def edges(self) -> Mapping[EntityUid, tuple[EntityUid, ...]]:
        """The direct edges it was built from (what a policy bundle carries)."""
        return self._parents

    def ancestors(self, node: EntityUid) -> frozenset[EntityUid]:
        """Every group and role above `node` (not `node` itself)."""
        known = self._ancestors.get(node)
        if known is not None:
            return known
        seen: set[EntityUid] = set()
        stack = list(self.parents_of(node))
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            cached = self._ancestors.get(current)
            if cached is not None:
                seen |= cached
            else:
                stack.extend(self.parents_of(current))
        result = frozenset(seen)
        self._ancestors[node] = result
        return result

    def closure(self, direct: Iterable[EntityUid]) -> frozenset[EntityUid]:
        """`direct` and everything above it."""
        result: set[EntityUid] = set()
        for node in direct:
            result.add(node)
            result |= self.ancestors(node)
        return frozenset(result)

    def entity_json(self, node: EntityUid) -> str:
        """The Cedar JSON of a group or role: no attributes, every group and role above
        it as its parents (the closure, so Cedar has nothing left to compute)."""
        known = self._json.get(node)
        if known is None:
            known = _json(
                {
                    "uid": node.cedar(),
                    "attrs": {},
                    "parents": [parent.cedar() for parent in self.ancestors(node)],
                }
            )
            self._json[node] = known
        return known


EMPTY_HIERARCHY = Hierarchy({})


def entities_json(principal: Principal, resource: Resource, hierarchy: Hierarchy) -> str:
    """The Cedar entity document (JSON) of one request.

    The principal's parents are every group and role above it (the closure, computed
    once per group and role by the Hierarchy), so Cedar answers `principal in
    Role::"editor"` from the principal alone and the ancestors need not be entities of
    their own: a third fewer entities for Cedar to read and check against the schema.
    Then the resource and its parents, and the groups and roles that the resource's
    attributes name, each with its own closure as parents (`resource.team in
    Role::"staff"`). Groups and roles have no attributes, so nothing is lost.
    """
    resources: dict[EntityUid, dict[str, Any]] = {}
    named: set[EntityUid] = set()
    _add_resource(resources, resource, 0, named)
    ancestors = hierarchy.closure(principal.parents)
    if principal.uid in ancestors:
        raise EntityDataError(f"{principal.uid} is the principal and also one of its groups")
    if len(ancestors) + len(resources) + len(named) >= MAX_ENTITIES:
        raise EntityDataError(f"the request needs more than {MAX_ENTITIES} entities")
    parts = [
        _json(
            {
                "uid": principal.uid.cedar(),
                "attrs": cedar_record(principal.attributes, f"principal {principal.uid}"),
                "parents": [{"type": node.type, "id": node.id} for node in ancestors],
            }
        )
    ]
    parts.extend(hierarchy.entity_json(node) for node in named)
    parts.extend(_json(entry) for entry in resources.values())
    return "[" + ",".join(parts) + "]"


def _add_resource(
    entities: dict[EntityUid, dict[str, Any]], resource: Resource, depth: int, named: set[EntityUid]
) -> None:
    if depth > MAX_RESOURCE_PARENT_DEPTH:
        raise EntityDataError(f"resource parents nest deeper than {MAX_RESOURCE_PARENT_DEPTH}")
    if resource.uid.type in (USER, CLIENT, GROUP, ROLE):
        raise EntityDataError(f"{resource.uid}: a resource is of an application's own type")
    entry = {
        "uid": resource.uid.cedar(),
        "attrs": cedar_record(resource.attributes, f"resource {resource.uid}", named),
        "parents": [parent.uid.cedar() for parent in resource.parents],
    }
    existing = entities.get(resource.uid)
    if existing is not None:
        if existing != entry:
            raise EntityDataError(f"{resource.uid} is given twice, with different data")
        return
    entities[resource.uid] = entry
    if len(entities) > MAX_ENTITIES:
        raise EntityDataError(f"the request needs more than {MAX_ENTITIES} entities")
    for parent in resource.parents:
        _add_resource(entities, parent, depth + 1, named)


_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode  # built once


def cedar_record(
    values: Mapping[str, Any], where: str, named: set[EntityUid] | None = None
) -> dict[str, Any]:
    """`values` as a Cedar record; the groups and roles it names are added to `named`."""
    if not isinstance(values, Mapping):
        raise EntityDataError(f"{where}: attributes must be a mapping")
    if len(values) > MAX_RECORD_SIZE:
        raise EntityDataError(f"{where}: more than {MAX_RECORD_SIZE} attributes")
    return {
        _key(name, where): cedar_value(value, f"{where}.{name}", 1, named)
        for name, value in values.items()
    }


def cedar_value(value: Any, where: str, depth: int = 0, named: set[EntityUid] | None = None) -> Any:
    """`value` in Cedar's JSON value format (with `__entity` and `__extn` escapes)."""
    if depth > MAX_VALUE_DEPTH:
        raise EntityDataError(f"{where}: values nest deeper than {MAX_VALUE_DEPTH}")
    kind = type(value)  # the common exact types first: this runs for every value
    if kind is str and len(value) <= MAX_STRING:
        return value
    if kind is int and LONG_MIN <= value <= LONG_MAX:
        return value
    if kind is EntityUid:
        if named is not None and value.type in (GROUP, ROLE):
            named.add(value)
        return {"__entity": {"type": value.type, "id": value.id}}
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not LONG_MIN <= value <= LONG_MAX:
            raise EntityDataError(f"{where}: {value} does not fit a Cedar Long (64 bits)")
        return value
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise EntityDataError(f"{where}: a string longer than {MAX_STRING} characters")
        return value
    if isinstance(value, EntityUid):
        if named is not None and value.type in (GROUP, ROLE):
            named.add(value)
        return {"__entity": value.cedar()}
    if isinstance(value, decimal.Decimal):
        return _extension("decimal", _decimal(value, where))
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return _extension("ip", str(value))
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return _extension("ip", value.with_prefixlen)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise EntityDataError(f"{where}: a datetime needs a time zone")
        return _extension("datetime", _datetime(value))
    if isinstance(value, dt.timedelta):
        return _extension("duration", f"{round(value.total_seconds() * 1000)}ms")
    if isinstance(value, Mapping):
        if len(value) > MAX_RECORD_SIZE:
            raise EntityDataError(f"{where}: a record of more than {MAX_RECORD_SIZE} fields")
        return {
            _key(name, where): cedar_value(item, f"{where}.{name}", depth + 1, named)
            for name, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        if len(value) > MAX_SET_SIZE:
            raise EntityDataError(f"{where}: a set of more than {MAX_SET_SIZE} elements")
        return [cedar_value(item, f"{where}[]", depth + 1, named) for item in value]
    if isinstance(value, float):
        raise EntityDataError(f"{where}: Cedar has no floats; use decimal.Decimal")
    if value is None:
        raise EntityDataError(f"{where}: Cedar has no null; leave the attribute out")
    raise EntityDataError(f"{where}: Cedar cannot hold a {type(value).__name__}")


def _key(name: object, where: str) -> str:
    if not isinstance(name, str) or not name or len(name) > 256:
        raise EntityDataError(f"{where}: attribute names are non-empty strings")
    return name


def _extension(function: str, argument: str) -> dict[str, Any]:
    return {"__extn": {"fn": function, "arg": argument}}


def _decimal(value: decimal.Decimal, where: str) -> str:
    # Cedar's decimal: at most four digits after the point, within an i64 of 1/10,000s
    if not value.is_finite():
        raise EntityDataError(f"{where}: a decimal must be finite")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        raise EntityDataError(f"{where}: Cedar decimals have at most four digits after the point")
    if not LONG_MIN <= value * 10_000 <= LONG_MAX:
        raise EntityDataError(f"{where}: {value} is outside Cedar's decimal range")
    text = format(value.quantize(decimal.Decimal(1)) if exponent == 0 else value, "f")
    return text if "." in text else f"{text}.0"


def _datetime(value: dt.datetime) -> str:
    # Cedar's datetime accepts `YYYY-MM-DDThh:mm:ss.SSSZ` (and offsets); UTC keeps one form
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds")[:23] + "Z"


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
