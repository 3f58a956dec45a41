"""The Cedar schema Tessera generates from its own model and an application's declaration.

Cedar schema, JSON format: https://docs.cedarpolicy.com/schema/json-schema.html. The
entity hierarchy is Tessera's: ``User in [Group, Role]``, ``Group in [Group, Role]``
(nested groups, a group's roles), ``Role in [Role]`` (composite roles), and ``Client``
(a client acting for itself, with its roles). An application declares the resource
types and actions it authorizes (:class:`Application`); user attributes are the typed
attributes Tessera's model declares (:class:`AttributeDecl`). Every name is checked
here, so a bad declaration fails with a :class:`SchemaDeclarationError` naming it
before Cedar sees it.

Pure: imports only the standard library and ``cedarpy`` (the SDK shares it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import cedarpy

USER = "User"
GROUP = "Group"
ROLE = "Role"
CLIENT = "Client"
ACTION = "Action"
TESSERA_TYPES = (USER, GROUP, ROLE, CLIENT)
PRINCIPAL_TYPES = (USER, CLIENT)

# Cedar identifiers (https://docs.cedarpolicy.com/policies/syntax-grammar.html, IDENT),
# without Cedar's reserved words and the `__cedar` namespace.
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_RESERVED = frozenset(
    {
        "true", "false", "if", "then", "else", "in", "is", "like", "has", "permit",
        "forbid", "when", "unless", "principal", "action", "resource", "context",
        "__cedar",
    }
)  # fmt: skip
# Action ids are strings in Cedar (`Action::"read"`); Tessera keeps them to a
# permission-like vocabulary so they print and match plainly.
_ACTION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
MAX_ATTRIBUTES = 64
MAX_RESOURCE_TYPES = 256
MAX_ACTIONS = 1024


class SchemaDeclarationError(ValueError):
    """A declaration Tessera cannot turn into a Cedar schema; the message names it."""


class AttributeType(StrEnum):
    """The attribute types Tessera declares, and the Cedar type each becomes."""

    STRING = "string"
    LONG = "long"
    BOOLEAN = "boolean"
    STRING_SET = "string_set"
    DECIMAL = "decimal"  # Cedar extension type `decimal` (four digits after the point)
    IPADDR = "ipaddr"  # Cedar extension type `ipaddr` (an address or a CIDR range)
    DATETIME = "datetime"  # Cedar extension type `datetime`
    ENTITY = "entity"  # a reference to an entity of `entity_type`
    ENTITY_SET = "entity_set"  # a set of references to entities of `entity_type`


_EXTENSIONS = {
    AttributeType.DECIMAL: "decimal",
    AttributeType.IPADDR: "ipaddr",
    AttributeType.DATETIME: "datetime",
}


@dataclass(frozen=True, slots=True)
class AttributeDecl:
    """One typed attribute of an entity type or of a request's context."""

    name: str
    type: AttributeType
    required: bool = True
    entity_type: str | None = None  # for ENTITY and ENTITY_SET

    def cedar_type(self) -> dict[str, Any]:
        if self.type is AttributeType.STRING:
            declared: dict[str, Any] = {"type": "String"}
        elif self.type is AttributeType.LONG:
            declared = {"type": "Long"}
        elif self.type is AttributeType.BOOLEAN:
            declared = {"type": "Boolean"}
        elif self.type is AttributeType.STRING_SET:
            declared = {"type": "Set", "element": {"type": "String"}}
        elif self.type in _EXTENSIONS:
            declared = {"type": "Extension", "name": _EXTENSIONS[self.type]}
        elif self.type is AttributeType.ENTITY:
            declared = {"type": "Entity", "name": self.entity_type}
        else:
            declared = {"type": "Set", "element": {"type": "Entity", "name": self.entity_type}}
        declared["required"] = self.required
        return declared


@dataclass(frozen=True, slots=True)
class ResourceTypeDecl:
    """A resource type an application declares: its attributes, and the types its
    entities may be in (a `Document` in a `Folder`)."""

    name: str
    attributes: tuple[AttributeDecl, ...] = ()
    member_of: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ActionDecl:
    """An action: the resource types it applies to, who may ask (users, clients), the
    application's own context attributes, and the action groups it belongs to
    (`Action::"edit"` in `Action::"write"`, so `action in Action::"write"` covers it).
    An action with no resource types is a group only."""

    name: str
    resource_types: tuple[str, ...] = ()
    principal_types: tuple[str, ...] = (USER,)
    context: tuple[AttributeDecl, ...] = ()
    member_of: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Application:
    """What an application declares: its resource types and its actions."""

    resource_types: tuple[ResourceTypeDecl, ...] = ()
    actions: tuple[ActionDecl, ...] = ()


# The context every request carries (filled by the engine, engine.py). `acr` is the
# empty string and `amr` the empty set when the caller knows none, so a step-up rule
# (`context.acr == "urn:tessera:acr:mfa"`) fails closed; `ip` is optional because a
# caller may not know an address (`context has ip && ...`).
STANDARD_CONTEXT = (
    AttributeDecl("acr", AttributeType.STRING),
    AttributeDecl("amr", AttributeType.STRING_SET),
    AttributeDecl("time", AttributeType.DATETIME),
    AttributeDecl("ip", AttributeType.IPADDR, required=False),
)


@dataclass(frozen=True, slots=True)
class CedarSchema:
    """A generated schema: the JSON document, Cedar's parsed handle of it, and what the
    slicing of a policy set needs to know (policies.py)."""

    document: Mapping[str, Any]
    handle: cedarpy.Schema
    # each entity type's possible ancestor types, itself included
    type_ancestors: Mapping[str, frozenset[str]]
    # each action's ancestors in the action hierarchy, itself included
    action_ancestors: Mapping[str, frozenset[str]]
    # the resource types each action applies to
    action_resources: Mapping[str, tuple[str, ...]]
    resource_types: tuple[str, ...]
    json_text: str = field(repr=False, default="")

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(self.action_ancestors)


def generate_schema(
    user_attributes: Iterable[AttributeDecl], application: Application
) -> CedarSchema:
    """The Cedar schema of Tessera's model plus `application`; raises
    :class:`SchemaDeclarationError` naming the first bad declaration."""
    user_attrs = tuple(user_attributes)
    check_attributes("User", user_attrs)
    resource_names = check_resource_types(application.resource_types)
    check_actions(application.actions, resource_names)
    known_types = frozenset(TESSERA_TYPES) | resource_names
    for decl in application.resource_types:
        check_entity_references(decl.name, decl.attributes, known_types)
    check_entity_references("User", user_attrs, known_types)
    for action in application.actions:
        check_entity_references(f'Action::"{action.name}" context', action.context, known_types)

    entity_types: dict[str, Any] = {
        USER: {"memberOfTypes": [GROUP, ROLE], "shape": _record(user_attrs)},
        GROUP: {"memberOfTypes": [GROUP, ROLE]},
        ROLE: {"memberOfTypes": [ROLE]},
        CLIENT: {"memberOfTypes": [ROLE]},
    }
    for decl in application.resource_types:
        entity_types[decl.name] = {
            "memberOfTypes": list(decl.member_of),
            "shape": _record(decl.attributes),
        }
    actions: dict[str, Any] = {}
    for action in application.actions:
        declared: dict[str, Any] = {}
        if action.member_of:
            declared["memberOf"] = [{"id": group} for group in action.member_of]
        if action.resource_types:
            declared["appliesTo"] = {
                "principalTypes": list(action.principal_types),
                "resourceTypes": list(action.resource_types),
                "context": _record(STANDARD_CONTEXT + action.context),
            }
        actions[action.name] = declared
    document = {"": {"entityTypes": entity_types, "actions": actions}}
    json_text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    try:
        handle = cedarpy.Schema.from_json_str(json_text)
    except ValueError as error:  # a declaration the checks above let through
        raise SchemaDeclarationError(f"Cedar refused the generated schema: {error}") from None
    return CedarSchema(
        document=document,
        handle=handle,
        type_ancestors=_type_ancestors(entity_types),
        action_ancestors=_action_ancestors(application.actions),
        action_resources={a.name: a.resource_types for a in application.actions},
        resource_types=tuple(sorted(resource_names)),
        json_text=json_text,
    )


def check_attributes(owner: str, attributes: tuple[AttributeDecl, ...]) -> None:
    if len(attributes) > MAX_ATTRIBUTES:
        raise SchemaDeclarationError(f"{owner} declares more than {MAX_ATTRIBUTES} attributes")
    seen: set[str] = set()
    for attribute in attributes:
        if not _IDENT.match(attribute.name) or attribute.name in _RESERVED:
            raise SchemaDeclarationError(
                f"{owner} attribute {attribute.name!r} is not a Cedar identifier"
            )
        if attribute.name in seen:
            raise SchemaDeclarationError(f"{owner} declares attribute {attribute.name!r} twice")
        seen.add(attribute.name)
        needs_entity = attribute.type in (AttributeType.ENTITY, AttributeType.ENTITY_SET)
        if needs_entity != (attribute.entity_type is not None):
            raise SchemaDeclarationError(
                f"{owner} attribute {attribute.name!r}: an entity_type goes with the "
                "entity and entity_set types, and only with them"
            )


def check_entity_references(
    owner: str, attributes: tuple[AttributeDecl, ...], known: frozenset[str]
) -> None:
    for attribute in attributes:
        if attribute.entity_type is not None and attribute.entity_type not in known:
            raise SchemaDeclarationError(
                f"{owner} attribute {attribute.name!r} names unknown entity type "
                f"{attribute.entity_type!r}"
            )


def check_resource_types(declared: tuple[ResourceTypeDecl, ...]) -> frozenset[str]:
    if len(declared) > MAX_RESOURCE_TYPES:
        raise SchemaDeclarationError(f"more than {MAX_RESOURCE_TYPES} resource types")
    names: set[str] = set()
    for decl in declared:
        if not _IDENT.match(decl.name) or decl.name in _RESERVED:
            raise SchemaDeclarationError(f"resource type {decl.name!r} is not a Cedar identifier")
        if decl.name in TESSERA_TYPES or decl.name == ACTION:
            raise SchemaDeclarationError(f"resource type {decl.name!r} is one of Tessera's own")
        if decl.name in names:
            raise SchemaDeclarationError(f"resource type {decl.name!r} is declared twice")
        names.add(decl.name)
        check_attributes(decl.name, decl.attributes)
    for decl in declared:
        for parent in decl.member_of:
            if parent not in names:
                raise SchemaDeclarationError(
                    f"resource type {decl.name!r} is in unknown type {parent!r}"
                )
    return frozenset(names)


def check_actions(declared: tuple[ActionDecl, ...], resource_types: frozenset[str]) -> None:
    if len(declared) > MAX_ACTIONS:
        raise SchemaDeclarationError(f"more than {MAX_ACTIONS} actions")
    names: set[str] = set()
    for action in declared:
        if not _ACTION_NAME.match(action.name):
            raise SchemaDeclarationError(f"action name {action.name!r} is not allowed")
        if action.name in names:
            raise SchemaDeclarationError(f"action {action.name!r} is declared twice")
        names.add(action.name)
        for resource_type in action.resource_types:
            if resource_type not in resource_types:
                raise SchemaDeclarationError(
                    f"action {action.name!r} applies to unknown resource type {resource_type!r}"
                )
        for principal_type in action.principal_types:
            if principal_type not in PRINCIPAL_TYPES:
                raise SchemaDeclarationError(
                    f"action {action.name!r}: principals are {' or '.join(PRINCIPAL_TYPES)}, "
                    f"not {principal_type!r}"
                )
        if action.resource_types and not action.principal_types:
            raise SchemaDeclarationError(f"action {action.name!r} names no principal type")
        names_in_context = {a.name for a in STANDARD_CONTEXT}
        for attribute in action.context:
            if attribute.name in names_in_context:
                raise SchemaDeclarationError(
                    f"action {action.name!r} context attribute {attribute.name!r} is one of "
                    "the standard context attributes"
                )
        check_attributes(f"action {action.name!r} context", action.context)
    for action in declared:
        for group in action.member_of:
            if group not in names:
                raise SchemaDeclarationError(
                    f"action {action.name!r} is in unknown action {group!r}"
                )


def _record(attributes: Iterable[AttributeDecl]) -> dict[str, Any]:
    return {
        "type": "Record",
        "attributes": {attribute.name: attribute.cedar_type() for attribute in attributes},
    }


def _closure(edges: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    """Each node with every node reachable from it, itself included (iterative)."""
    result: dict[str, frozenset[str]] = {}
    for start in edges:
        seen = {start}
        stack = [start]
        while stack:
            for parent in edges.get(stack.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        result[start] = frozenset(seen)
    return result


def _type_ancestors(entity_types: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    return _closure({name: decl.get("memberOfTypes", ()) for name, decl in entity_types.items()})


def _action_ancestors(actions: tuple[ActionDecl, ...]) -> dict[str, frozenset[str]]:
    return _closure({action.name: action.member_of for action in actions})
