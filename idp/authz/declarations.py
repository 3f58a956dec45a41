"""What an application declares to the policy engine, as JSON: the user attributes
policies may read, the resource types and the actions (cedar_schema.py's
:class:`AttributeDecl`, :class:`ResourceTypeDecl`, :class:`ActionDecl`).

The document a publication stores, and the ``application.json`` of ``idp policies
publish``::

    {
      "user_attributes": [{"name": "clearance", "type": "long"}],
      "resource_types": [
        {"name": "Document", "member_of": ["Folder"],
         "attributes": [{"name": "owner", "type": "entity", "entity_type": "User"}]},
        {"name": "Folder"}
      ],
      "actions": [
        {"name": "read", "resource_types": ["Document", "Folder"],
         "principal_types": ["User", "Client"]},
        {"name": "share", "resource_types": ["Document"],
         "context": [{"name": "recipients", "type": "long", "required": false}]}
      ]
    }

Every key but ``name`` (and ``type`` of an attribute) may be left out, taking the
dataclass's default. Unknown keys and values of the wrong JSON type are refused with a
:class:`DeclarationFormatError` naming where they are, so a typo never quietly drops a
declaration; the names themselves are checked by ``generate_schema``.

Pure: imports only the standard library and cedar_schema.py (the SDK bundle shares it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from idp.authz.cedar_schema import (
    USER,
    ActionDecl,
    Application,
    AttributeDecl,
    AttributeType,
    ResourceTypeDecl,
    SchemaDeclarationError,
)

MAX_LIST = 1024  # entries of any one list (cedar_schema bounds each kind further)
MAX_NAME = 128  # characters of any one name (cedar_schema bounds each kind further)
_ATTRIBUTE_TYPES = frozenset(member.value for member in AttributeType)


class DeclarationFormatError(SchemaDeclarationError):
    """A declaration document that is not of the documented shape; names where."""


@dataclass(frozen=True, slots=True)
class Declaration:
    """Everything a policy version is validated against, besides Tessera's own types."""

    user_attributes: tuple[AttributeDecl, ...] = ()
    application: Application = field(default_factory=Application)


def declaration_to_json(declaration: Declaration) -> dict[str, Any]:
    return {
        "user_attributes": [_attribute_json(a) for a in declaration.user_attributes],
        **application_to_json(declaration.application),
    }


def declaration_from_json(document: Any) -> Declaration:
    where = "declaration"
    fields = _object(document, where, {"user_attributes", "resource_types", "actions"})
    return Declaration(
        user_attributes=_attributes(fields.get("user_attributes", []), f"{where}.user_attributes"),
        application=_application(fields, where),
    )


def application_to_json(application: Application) -> dict[str, Any]:
    return {
        "resource_types": [
            {
                "name": decl.name,
                "attributes": [_attribute_json(a) for a in decl.attributes],
                "member_of": list(decl.member_of),
            }
            for decl in application.resource_types
        ],
        "actions": [
            {
                "name": action.name,
                "resource_types": list(action.resource_types),
                "principal_types": list(action.principal_types),
                "context": [_attribute_json(a) for a in action.context],
                "member_of": list(action.member_of),
            }
            for action in application.actions
        ],
    }


def application_from_json(document: Any) -> Application:
    where = "application"
    return _application(_object(document, where, {"resource_types", "actions"}), where)


def _application(fields: Mapping[str, Any], where: str) -> Application:
    resource_types = tuple(
        _resource_type(item, f"{where}.resource_types[{index}]")
        for index, item in enumerate(_list(fields.get("resource_types", []), where))
    )
    actions = tuple(
        _action(item, f"{where}.actions[{index}]")
        for index, item in enumerate(_list(fields.get("actions", []), where))
    )
    return Application(resource_types, actions)


def _resource_type(value: Any, where: str) -> ResourceTypeDecl:
    fields = _object(value, where, {"name", "attributes", "member_of"}, required={"name"})
    return ResourceTypeDecl(
        name=_name(fields["name"], f"{where}.name"),
        attributes=_attributes(fields.get("attributes", []), f"{where}.attributes"),
        member_of=_names(fields.get("member_of", []), f"{where}.member_of"),
    )


def _action(value: Any, where: str) -> ActionDecl:
    known = {"name", "resource_types", "principal_types", "context", "member_of"}
    fields = _object(value, where, known, required={"name"})
    return ActionDecl(
        name=_name(fields["name"], f"{where}.name"),
        resource_types=_names(fields.get("resource_types", []), f"{where}.resource_types"),
        principal_types=_names(fields.get("principal_types", [USER]), f"{where}.principal_types"),
        context=_attributes(fields.get("context", []), f"{where}.context"),
        member_of=_names(fields.get("member_of", []), f"{where}.member_of"),
    )


def _attribute_json(attribute: AttributeDecl) -> dict[str, Any]:
    document: dict[str, Any] = {"name": attribute.name, "type": attribute.type.value}
    if not attribute.required:
        document["required"] = False
    if attribute.entity_type is not None:
        document["entity_type"] = attribute.entity_type
    return document


def _attributes(value: Any, where: str) -> tuple[AttributeDecl, ...]:
    return tuple(
        _attribute(item, f"{where}[{index}]") for index, item in enumerate(_list(value, where))
    )


def _attribute(value: Any, where: str) -> AttributeDecl:
    known = {"name", "type", "required", "entity_type"}
    fields = _object(value, where, known, required={"name", "type"})
    kind = fields["type"]
    if not isinstance(kind, str) or kind not in _ATTRIBUTE_TYPES:
        choices = ", ".join(member.value for member in AttributeType)
        raise DeclarationFormatError(f"{where}.type is one of {choices}")
    required = fields.get("required", True)
    if not isinstance(required, bool):
        raise DeclarationFormatError(f"{where}.required is true or false")
    entity_type = fields.get("entity_type")
    return AttributeDecl(
        name=_name(fields["name"], f"{where}.name"),
        type=AttributeType(kind),
        required=required,
        entity_type=None if entity_type is None else _name(entity_type, f"{where}.entity_type"),
    )


def _object(
    value: Any, where: str, known: set[str], required: Iterable[str] = ()
) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise DeclarationFormatError(f"{where} is a JSON object")
    unknown = sorted(str(key) for key in value if key not in known)
    if unknown:
        raise DeclarationFormatError(f"{where}: unknown key {unknown[0][:40]!r}")
    for key in required:
        if key not in value:
            raise DeclarationFormatError(f"{where}: {key!r} is missing")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise DeclarationFormatError(f"{where} is a JSON array")
    if len(value) > MAX_LIST:
        raise DeclarationFormatError(f"{where} has more than {MAX_LIST} entries")
    return value


def _names(value: Any, where: str) -> tuple[str, ...]:
    return tuple(_name(item, f"{where}[{index}]") for index, item in enumerate(_list(value, where)))


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_NAME:
        raise DeclarationFormatError(f"{where} is a name of 1 to {MAX_NAME} characters")
    return value
