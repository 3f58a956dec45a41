"""The RBAC model (after NIST RBAC, ANSI INCITS 359-2004: core RBAC with a role
hierarchy): roles realm-wide or of one client, composite roles (a role includes others),
nested groups (members inherit the roles of their group and its ancestors), permissions
``resource:action`` attached to roles, typed user attributes, and a second factor
required of the holders of a role or the members of a group (idp.authn.mfa_policy).

Pure: names are checked here, cycles are refused here (idp.authz.roles), storage is
idp.authz.storage. A role is named by a ``RoleRef``: ``name`` for a realm role,
``client_id/name`` for a role of a client (namespaced by the client id, since role names
cannot hold ``/``)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # roles and groups
MAX_NAME = 64
MAX_DESCRIPTION = 255
# `resource:action`, e.g. `document:read`, `billing/invoice:approve`.
PERMISSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,62}:[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
MAX_PERMISSION = 127
MAX_ROLE_REF = 64 + 1 + MAX_NAME  # clients.client_id, "/", the name
ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
MAX_ATTRIBUTES_PER_USER = 64
MAX_ATTRIBUTE_STRING = 1024
MAX_ATTRIBUTE_LIST = 64
MAX_ATTRIBUTE_LIST_ITEM = 256
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class AuthzError(ValueError):
    """A change the model refuses: a bad name, an unknown role or group, a cycle. Its
    text names the problem, in one line."""


class UnknownError(AuthzError):
    """A change names a role, group, client or user that does not exist."""

    def __init__(self, kind: str, name: str) -> None:
        self.kind, self.name = kind, name
        super().__init__(f"no {kind} {name!r}")


class ConflictingChangeError(AuthzError):
    """A change conflicts with what exists: a duplicate, a limit reached, a cycle."""


class DuplicateError(ConflictingChangeError):
    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"{kind} {name!r} already exists")


class CycleError(ConflictingChangeError):
    def __init__(self, kind: str, path: list[str]) -> None:
        self.path = path
        super().__init__(f"{kind} cycle refused: {' -> '.join(path)}")


def check_name(kind: str, name: str) -> str:
    if not NAME.fullmatch(name):
        raise AuthzError(
            f"{kind} name {name!r} must be 1 to {MAX_NAME} letters, digits, '.', '_' or '-',"
            " starting with a letter or digit"
        )
    return name


def check_description(description: str | None) -> str | None:
    if description is not None and (
        len(description) > MAX_DESCRIPTION or CONTROL.search(description)
    ):
        raise AuthzError(f"description must be at most {MAX_DESCRIPTION} printable characters")
    return description


def check_permission(permission: str) -> str:
    if len(permission) > MAX_PERMISSION or not PERMISSION.fullmatch(permission):
        raise AuthzError(
            f"permission {permission!r} must be resource:action (letters, digits, '.', '_',"
            f" '-', and '/' in the resource; at most {MAX_PERMISSION} characters)"
        )
    return permission


@dataclass(frozen=True, order=True)
class RoleRef:
    """A realm role (``client_id`` None) or a role of one client."""

    name: str
    client_id: str | None = None

    @classmethod
    def parse(cls, text: str) -> RoleRef:
        """``name`` or ``client_id/name``."""
        client_id, slash, name = text.rpartition("/")
        if slash and not client_id:
            raise AuthzError(f"role {text!r}: the client id before '/' is empty")
        check_name("role", name)
        if len(text) > MAX_ROLE_REF or CONTROL.search(client_id):
            raise AuthzError(f"role {text[:80]!r} is too long or has control characters")
        return cls(name, client_id or None)

    def __str__(self) -> str:
        return f"{self.client_id}/{self.name}" if self.client_id else self.name


@dataclass(frozen=True)
class Role:
    ref: RoleRef
    description: str | None = None
    composites: frozenset[RoleRef] = frozenset()  # the roles this one includes
    permissions: frozenset[str] = frozenset()
    mfa_required: bool = False  # its holders sign in with a second factor


@dataclass(frozen=True)
class Group:
    name: str
    description: str | None = None
    parent: str | None = None
    roles: frozenset[RoleRef] = frozenset()
    mfa_required: bool = False  # its members, and those of its subgroups, use a second factor


@dataclass(frozen=True)
class Model:
    """Every role and group: what the effective access of a user is computed from. One
    snapshot per node (idp.authz.cache), read again when the authz cache version moves."""

    roles: dict[RoleRef, Role] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)


@dataclass(frozen=True)
class Member:
    """A user in a group."""

    user_id: str
    username: str


@dataclass(frozen=True)
class Assignments:
    """What one user is given directly: roles and group memberships."""

    roles: frozenset[RoleRef] = frozenset()
    groups: frozenset[str] = frozenset()


class AttributeType(StrEnum):
    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    STRING_LIST = "string_list"


AttributeValue = str | int | float | bool | tuple[str, ...]


def check_attribute_name(name: str) -> str:
    if not ATTRIBUTE_NAME.fullmatch(name):
        raise AuthzError(
            f"attribute name {name[:80]!r} must be 1 to 64 lowercase letters, digits or '_',"
            " starting with a letter"
        )
    return name


def _check_text(name: str, value: str, limit: int) -> str:
    if len(value) > limit or CONTROL.search(value):
        raise AuthzError(
            f"attribute {name}: strings are at most {limit} characters, no control characters"
        )
    return value


def parse_attribute(name: str, kind: AttributeType, text: str | list[str]) -> AttributeValue:
    """An attribute value of ``kind`` from what an operator typed (a string list from
    the repeated values)."""
    check_attribute_name(name)
    if kind is AttributeType.STRING_LIST:
        values = [text] if isinstance(text, str) else text
        return check_attribute(name, tuple(values))
    if not isinstance(text, str):
        raise AuthzError(f"attribute {name}: one value expected for type {kind}")
    if kind is AttributeType.STRING:
        return check_attribute(name, text)
    if kind is AttributeType.BOOLEAN:
        if text not in ("true", "false"):
            raise AuthzError(f"attribute {name}: a boolean is true or false")
        return text == "true"
    try:
        number: int | float = int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            raise AuthzError(f"attribute {name}: {text[:40]!r} is not a number") from None
    return check_attribute(name, number)


def check_attribute(name: str, value: Any) -> AttributeValue:
    """Typed, bounded values: a string, a finite number, a boolean, a list of strings."""
    check_attribute_name(name)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if not math.isfinite(value) or abs(value) > 2**53:
            raise AuthzError(f"attribute {name}: numbers are finite and at most 2^53")
        return value
    if isinstance(value, str):
        return _check_text(name, value, MAX_ATTRIBUTE_STRING)
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        if len(value) > MAX_ATTRIBUTE_LIST:
            raise AuthzError(f"attribute {name}: at most {MAX_ATTRIBUTE_LIST} strings")
        items = tuple(_check_text(name, item, MAX_ATTRIBUTE_LIST_ITEM) for item in value)
        return tuple(dict.fromkeys(items))
    raise AuthzError(f"attribute {name}: a string, number, boolean or list of strings")


def attribute_type(value: AttributeValue) -> AttributeType:
    if isinstance(value, bool):
        return AttributeType.BOOLEAN
    if isinstance(value, int | float):
        return AttributeType.NUMBER
    if isinstance(value, str):
        return AttributeType.STRING
    return AttributeType.STRING_LIST


def attribute_json(value: AttributeValue) -> Any:
    return list(value) if isinstance(value, tuple) else value
