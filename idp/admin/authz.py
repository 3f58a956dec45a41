"""The RBAC model as the admin API and the CLI's ``--json`` show it, the JSON bodies that
change it (every member typed and bounded by the model's own checks), and what the
model's refusals are as HTTP errors (RFC 9110 §15.5: 400 a malformed value, 404 an
unknown role, group, client or user, 409 a duplicate, a limit or a cycle)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from idp.authz.model import (
    AttributeValue,
    AuthzError,
    ConflictingChangeError,
    CycleError,
    Group,
    Member,
    Role,
    UnknownError,
    attribute_json,
    attribute_type,
    check_attribute,
    check_description,
    check_name,
)
from idp.authz.roles import Effective
from idp.errors import ConflictError, InvalidFieldError, InvalidRequestError, NotFoundError

ADMIN_AUTHZ = "admin.authz"  # the scope of the admin API's roles, groups and assignments
Checked = TypeVar("Checked")


# Representations


def role_json(role: Role) -> dict[str, Any]:
    return {
        "role": str(role.ref),
        "name": role.ref.name,
        "client_id": role.ref.client_id,
        "description": role.description,
        "composites": sorted(str(ref) for ref in role.composites),
        "permissions": sorted(role.permissions),
        "mfa_required": role.mfa_required,
    }


def group_json(group: Group) -> dict[str, Any]:
    return {
        "group": group.name,
        "description": group.description,
        "parent": group.parent,
        "roles": sorted(str(ref) for ref in group.roles),
        "mfa_required": group.mfa_required,
    }


def member_json(member: Member) -> dict[str, str]:
    return {"id": member.user_id, "username": member.username}


def access_json(held: Effective) -> dict[str, Any]:
    """What a user holds in effect (through groups, their ancestors and composites), and
    whether one of those requires a second factor."""
    return {
        "roles": [str(ref) for ref in held.roles],
        "groups": list(held.groups),
        "permissions": list(held.permissions),
        "mfa_required": held.mfa_required,
    }


def attributes_json(attributes: Mapping[str, AttributeValue]) -> dict[str, dict[str, Any]]:
    return {name: attribute_entry_json(value) for name, value in sorted(attributes.items())}


def attribute_entry_json(value: AttributeValue) -> dict[str, Any]:
    return {"type": attribute_type(value).value, "value": attribute_json(value)}


# Refusals


class CycleRefusedError(ConflictError):
    """RFC 9110 §15.5.10: the change would close a cycle; ``cycle`` is its path."""

    problem_type = "urn:tessera:problem:cycle"
    problem_title = "The change would close a cycle"

    def __init__(self, error: CycleError) -> None:
        super().__init__(str(error))
        self.cycle = error.path

    def problem_members(self) -> dict[str, Any]:
        return {"cycle": self.cycle}


def refusal(error: AuthzError) -> InvalidRequestError:
    """The HTTP error a refusal of the model is."""
    if isinstance(error, UnknownError):
        return NotFoundError(str(error))
    if isinstance(error, CycleError):
        return CycleRefusedError(error)
    if isinstance(error, ConflictingChangeError):
        return ConflictError(str(error))
    return InvalidRequestError(str(error))


# Bodies


@dataclass(frozen=True)
class RoleCreation:
    name: str
    description: str | None


@dataclass(frozen=True)
class GroupCreation:
    name: str
    description: str | None
    parent: str | None


def role_creation(body: dict[str, Any]) -> RoleCreation:
    """``{"name", "description"?}``."""
    _members(body, required=("name",), optional=("description",))
    return RoleCreation(
        _text(body, "name", lambda name: check_name("role", name)),
        _optional_text(body, "description", check_description),
    )


def group_creation(body: dict[str, Any]) -> GroupCreation:
    """``{"name", "description"?, "parent"?}``."""
    _members(body, required=("name",), optional=("description", "parent"))
    return GroupCreation(
        _text(body, "name", lambda name: check_name("group", name)),
        _optional_text(body, "description", check_description),
        _optional_text(body, "parent", lambda name: check_name("group", name)),
    )


def parent_of(body: dict[str, Any]) -> str | None:
    """``{"parent": name or null}``: where a group moves (null: to the top)."""
    _members(body, required=("parent",), optional=())
    return _optional_text(body, "parent", lambda name: check_name("group", name))


def attribute_value(name: str, body: dict[str, Any]) -> AttributeValue:
    """``{"value"}``: a string, a finite number, a boolean or a list of strings."""
    _members(body, required=("value",), optional=())
    return _checked("value", lambda: check_attribute(name, body["value"]))


def mfa_requirement(body: dict[str, Any]) -> bool:
    """``{"mfa_required": true|false}``: whether a role's holders or a group's members
    sign in with a second factor."""
    _members(body, required=("mfa_required",), optional=())
    required = body["mfa_required"]
    if not isinstance(required, bool):
        raise InvalidFieldError("mfa_required", "must be true or false")
    return required


def _members(body: dict[str, Any], *, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    """Every required member present, no member unknown (a misspelt one is not ignored)."""
    for name in required:
        if name not in body:
            raise InvalidFieldError(name, "is required")
    for name in body:
        if name not in required and name not in optional:
            raise InvalidFieldError(name[:64], "is not a member of this body")


def _text(body: dict[str, Any], name: str, check: Callable[[str], str]) -> str:
    value = body[name]
    if not isinstance(value, str):
        raise InvalidFieldError(name, "must be a string")
    return _checked(name, lambda: check(value))


def _optional_text(
    body: dict[str, Any], name: str, check: Callable[[str], str | None]
) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidFieldError(name, "must be a string or null")
    return _checked(name, lambda: check(value))


def _checked(name: str, check: Callable[[], Checked]) -> Checked:
    try:
        return check()
    except AuthzError as error:
        raise InvalidFieldError(name, str(error)) from None
