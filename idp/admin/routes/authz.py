"""HTTP: the admin API's role-based access control (plain REST, shaped after Keycloak's
admin REST API): realm roles (``/admin/v1/roles``) and each client's roles
(``/admin/v1/clients/{client_id}/roles``), with their composites and permissions;
groups, their parent, roles and members; each user's roles, groups, effective access
and attributes; and the history of changes. Every call needs a client-credentials
access token with ``admin.authz``; every change runs the rules of idp.authz.management
in one transaction, recorded with the calling client as its actor.

A membership (a composite, a permission, a group's role or member, a user's role) is a
resource of its own: ``PUT`` adds it (201, or 204 when it was there, RFC 9110 §9.3.4),
``DELETE`` removes it (204, or 404 when it was not there). A role in a path is written
as everywhere else: ``name`` for a realm role, ``client_id/name`` for a client's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from idp.admin.authz import (
    ADMIN_AUTHZ,
    access_json,
    attribute_entry_json,
    attribute_value,
    attributes_json,
    group_creation,
    group_json,
    member_json,
    mfa_requirement,
    parent_of,
    refusal,
    role_creation,
    role_json,
)
from idp.admin.routes.calls import (
    AUTHENTICATED,
    UNCACHED,
    V1,
    calling_client,
    json_body,
    json_response,
)
from idp.authz.management import Authz
from idp.authz.model import (
    ATTRIBUTE_NAME,
    MAX_NAME,
    MAX_PERMISSION,
    MAX_ROLE_REF,
    NAME,
    AuthzError,
    Group,
    Role,
)
from idp.errors import NotFoundError
from idp.http import openapi
from idp.http.deps import ProviderDep
from idp.provider import Provider
from idp.revocation.events import client_actor

router = APIRouter(tags=["Admin API: authorization"])
Result = TypeVar("Result")
READ_ERRORS = openapi.problem_errors(400, 401, 403, 404, 503)
CHANGE_ERRORS = READ_ERRORS | openapi.problem_errors(409)
BODY_ERRORS = CHANGE_ERRORS | openapi.problem_errors(413, 415)

NamePath = Annotated[
    str, Path(min_length=1, max_length=MAX_NAME, pattern=f"^{NAME.pattern}$", description="A name")
]
ClientIdPath = Annotated[str, Path(min_length=1, max_length=64, description="The client")]
RolePath = Annotated[
    str,
    Path(min_length=1, max_length=MAX_ROLE_REF, description="A role: name, or client_id/name"),
]
PermissionPath = Annotated[
    str, Path(min_length=3, max_length=MAX_PERMISSION, description="resource:action")
]
UserIdPath = Annotated[str, Path(min_length=1, max_length=36, description="The user's id")]
AttributePath = Annotated[
    str, Path(min_length=1, max_length=64, pattern=f"^{ATTRIBUTE_NAME.pattern}$")
]

_TEXT = {"type": "string", "maxLength": 255}
_NAME = {"type": "string", "pattern": f"^{NAME.pattern}$"}
ROLE_BODY = openapi.json_body(
    {
        "type": "object",
        "required": ["name"],
        "properties": {"name": _NAME, "description": {"anyOf": [_TEXT, {"type": "null"}]}},
        "additionalProperties": False,
    }
)
GROUP_BODY = openapi.json_body(
    {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": _NAME,
            "description": {"anyOf": [_TEXT, {"type": "null"}]},
            "parent": {"anyOf": [_NAME, {"type": "null"}]},
        },
        "additionalProperties": False,
    }
)
PARENT_BODY = openapi.json_body(
    {
        "type": "object",
        "required": ["parent"],
        "properties": {"parent": {"anyOf": [_NAME, {"type": "null"}]}},
        "additionalProperties": False,
    }
)
MFA_BODY = openapi.json_body(
    {
        "type": "object",
        "required": ["mfa_required"],
        "properties": {"mfa_required": {"type": "boolean"}},
        "additionalProperties": False,
    }
)
ATTRIBUTE_BODY = openapi.json_body(
    {
        "type": "object",
        "required": ["value"],
        "properties": {
            "value": {
                "anyOf": [
                    {"type": "string", "maxLength": 1024},
                    {"type": "number"},
                    {"type": "boolean"},
                    {"type": "array", "items": {"type": "string", "maxLength": 256}},
                ]
            }
        },
        "additionalProperties": False,
    }
)
FIRST_SET: openapi.Responses = {201: {"description": "Set for the first time"}}
ADDED: openapi.Responses = {
    201: {"description": "Added"},
    204: {"description": "It was there already"},
}


# The pipeline: authenticate, parse, one transaction through Authz, render.


def _reading(request: Request, provider: Provider, read: Callable[[Authz], Result]) -> Result:
    """A read (run by a plain route, off the event loop)."""
    client_id = _caller(request, provider)
    with _refusals(), provider.reading() as store:
        return read(Authz(store, provider.clock.now(), client_actor(client_id)))


def _caller(request: Request, provider: Provider) -> str:
    """Checked first: without the right token, 401 or 403 whatever the request holds."""
    return calling_client(request, provider, ADMIN_AUTHZ)


async def _changing(
    provider: Provider, client_id: str, change: Callable[[Authz], Result]
) -> Result:
    """A change, in one transaction off the event loop, by the calling client."""
    return await run_in_threadpool(_in_transaction, provider, client_id, change)


def _in_transaction(
    provider: Provider, client_id: str, change: Callable[[Authz], Result]
) -> Result:
    with _refusals(), provider.store() as store:
        return change(Authz(store, provider.clock.now(), client_actor(client_id)))


@contextmanager
def _refusals() -> Iterator[None]:
    """The model's refusals as HTTP errors, raised outside the transaction (it rolls back)."""
    try:
        yield
    except AuthzError as error:
        raise refusal(error) from None


def _json(document: Any, status_code: int = 200, location: str | None = None) -> JSONResponse:
    return json_response(document, status_code, {"Location": location} if location else None)


def _added(changed: bool) -> Response:
    return Response(status_code=201 if changed else 204, headers=UNCACHED)


def _removed(changed: bool, what: str) -> Response:
    if not changed:
        raise NotFoundError(what)
    return Response(status_code=204, headers=UNCACHED)


# Roles: realm roles and each client's, the same routes under two prefixes.


@dataclass(frozen=True)
class RoleOwner:
    """The realm (``client_id`` None) or the client whose roles a path names."""

    client_id: str | None = None

    def ref(self, name: str) -> str:
        return f"{self.client_id}/{name}" if self.client_id else name

    def path(self, name: str) -> str:
        owner = f"/clients/{self.client_id}" if self.client_id else ""
        return f"{V1}{owner}/roles/{name}"


async def _owner(request: Request) -> RoleOwner:
    """The realm, or the client the path names (``/clients/{client_id}/roles``)."""
    return RoleOwner(request.path_params.get("client_id"))


OwnerDep = Annotated[RoleOwner, Depends(_owner)]


async def _client_id(client_id: ClientIdPath) -> None:
    """Declares (and bounds) the client id of a client's role paths."""


def _role_routes(base: str, path_parameters: list[Any], whose: str) -> None:
    dependencies = [*AUTHENTICATED, *path_parameters]

    @router.get(
        base, summary=f"List {whose} roles", dependencies=dependencies, responses=READ_ERRORS
    )
    def list_roles(request: Request, provider: ProviderDep, owner: OwnerDep) -> JSONResponse:
        roles = _reading(request, provider, lambda authz: authz.roles(owner.client_id))
        return _json([role_json(role) for role in roles])

    @router.post(
        base,
        summary=f"Create one of {whose} roles",
        status_code=201,
        dependencies=dependencies,
        responses=BODY_ERRORS,
        openapi_extra=ROLE_BODY,
    )
    async def create_role(request: Request, provider: ProviderDep, owner: OwnerDep) -> JSONResponse:
        client_id = _caller(request, provider)
        wanted = role_creation(await json_body(request, provider))
        role = await _changing(
            provider,
            client_id,
            lambda authz: authz.create_role(owner.ref(wanted.name), wanted.description),
        )
        return _json(role_json(role), 201, owner.path(wanted.name))

    @router.get(
        base + "/{name}",
        summary=f"Read one of {whose} roles",
        dependencies=dependencies,
        responses=READ_ERRORS,
    )
    def read_role(
        request: Request, provider: ProviderDep, owner: OwnerDep, name: NamePath
    ) -> JSONResponse:
        role = _reading(request, provider, lambda authz: authz.role(owner.ref(name)))
        return _json(role_json(role))

    @router.delete(
        base + "/{name}",
        summary=f"Delete one of {whose} roles (users and groups lose it)",
        status_code=204,
        dependencies=dependencies,
        responses=READ_ERRORS,
    )
    async def delete_role(
        request: Request, provider: ProviderDep, owner: OwnerDep, name: NamePath
    ) -> Response:
        client_id = _caller(request, provider)
        await _changing(provider, client_id, lambda authz: authz.delete_role(owner.ref(name)))
        return Response(status_code=204, headers=UNCACHED)

    @router.put(
        base + "/{name}/mfa",
        summary="Whether the role's holders sign in with a second factor (enrolled at the next "
        "sign-in)",
        dependencies=dependencies,
        responses=BODY_ERRORS,
        openapi_extra=MFA_BODY,
    )
    async def require_mfa_of_role(
        request: Request, provider: ProviderDep, owner: OwnerDep, name: NamePath
    ) -> JSONResponse:
        client_id = _caller(request, provider)
        required = mfa_requirement(await json_body(request, provider))

        def require(authz: Authz) -> Role:
            authz.require_mfa_of_role(owner.ref(name), required)
            return authz.role(owner.ref(name))

        return _json(role_json(await _changing(provider, client_id, require)))

    @router.put(
        base + "/{name}/composites/{included:path}",
        summary="The role includes another (a cycle is refused, 409)",
        status_code=201,
        dependencies=dependencies,
        responses=ADDED | CHANGE_ERRORS,
    )
    async def add_composite(
        request: Request, provider: ProviderDep, owner: OwnerDep, name: NamePath, included: RolePath
    ) -> Response:
        client_id = _caller(request, provider)
        return _added(
            await _changing(
                provider, client_id, lambda authz: authz.add_composite(owner.ref(name), included)
            )
        )

    @router.delete(
        base + "/{name}/composites/{included:path}",
        summary="The role no longer includes another",
        status_code=204,
        dependencies=dependencies,
        responses=READ_ERRORS,
    )
    async def remove_composite(
        request: Request, provider: ProviderDep, owner: OwnerDep, name: NamePath, included: RolePath
    ) -> Response:
        client_id = _caller(request, provider)
        changed = await _changing(
            provider, client_id, lambda authz: authz.remove_composite(owner.ref(name), included)
        )
        return _removed(changed, f"{owner.ref(name)} does not include {included}")

    @router.put(
        base + "/{name}/permissions/{permission:path}",
        summary="The role grants a permission (resource:action)",
        status_code=201,
        dependencies=dependencies,
        responses=ADDED | READ_ERRORS,
    )
    async def grant_permission(
        request: Request,
        provider: ProviderDep,
        owner: OwnerDep,
        name: NamePath,
        permission: PermissionPath,
    ) -> Response:
        client_id = _caller(request, provider)
        return _added(
            await _changing(
                provider,
                client_id,
                lambda authz: authz.grant_permission(owner.ref(name), permission),
            )
        )

    @router.delete(
        base + "/{name}/permissions/{permission:path}",
        summary="The role no longer grants a permission",
        status_code=204,
        dependencies=dependencies,
        responses=READ_ERRORS,
    )
    async def revoke_permission(
        request: Request,
        provider: ProviderDep,
        owner: OwnerDep,
        name: NamePath,
        permission: PermissionPath,
    ) -> Response:
        client_id = _caller(request, provider)
        changed = await _changing(
            provider, client_id, lambda authz: authz.revoke_permission(owner.ref(name), permission)
        )
        return _removed(changed, f"{owner.ref(name)} does not grant {permission}")


_role_routes(f"{V1}/roles", [], "the realm's")
_role_routes(f"{V1}/clients/{{client_id}}/roles", [Depends(_client_id)], "a client's")


# Groups


@router.get(
    f"{V1}/groups", summary="List groups", dependencies=AUTHENTICATED, responses=READ_ERRORS
)
def list_groups(request: Request, provider: ProviderDep) -> JSONResponse:
    groups = _reading(request, provider, lambda authz: authz.groups())
    return _json([group_json(group) for group in groups])


@router.post(
    f"{V1}/groups",
    summary="Create a group, top-level or in a parent",
    status_code=201,
    dependencies=AUTHENTICATED,
    responses=BODY_ERRORS,
    openapi_extra=GROUP_BODY,
)
async def create_group(request: Request, provider: ProviderDep) -> JSONResponse:
    client_id = _caller(request, provider)
    wanted = group_creation(await json_body(request, provider))
    group = await _changing(
        provider,
        client_id,
        lambda authz: authz.create_group(wanted.name, wanted.description, wanted.parent),
    )
    return _json(group_json(group), 201, f"{V1}/groups/{group.name}")


@router.get(
    f"{V1}/groups/{{name}}",
    summary="Read a group",
    dependencies=AUTHENTICATED,
    responses=READ_ERRORS,
)
def read_group(request: Request, provider: ProviderDep, name: NamePath) -> JSONResponse:
    return _json(group_json(_reading(request, provider, lambda authz: authz.group(name))))


@router.delete(
    f"{V1}/groups/{{name}}",
    summary="Delete a group (its subgroups become top-level, its members leave it)",
    status_code=204,
    dependencies=AUTHENTICATED,
    responses=READ_ERRORS,
)
async def delete_group(request: Request, provider: ProviderDep, name: NamePath) -> Response:
    client_id = _caller(request, provider)
    await _changing(provider, client_id, lambda authz: authz.delete_group(name))
    return Response(status_code=204, headers=UNCACHED)


@router.put(
    f"{V1}/groups/{{name}}/parent",
    summary="Move a group into a parent, or to the top (null); a cycle is refused (409)",
    dependencies=AUTHENTICATED,
    responses=BODY_ERRORS,
    openapi_extra=PARENT_BODY,
)
async def move_group(request: Request, provider: ProviderDep, name: NamePath) -> JSONResponse:
    client_id = _caller(request, provider)
    parent = parent_of(await json_body(request, provider))

    def move(authz: Authz) -> Group:
        authz.set_parent(name, parent)
        return authz.group(name)

    return _json(group_json(await _changing(provider, client_id, move)))


@router.put(
    f"{V1}/groups/{{name}}/mfa",
    summary="Whether the group's members (and its subgroups') sign in with a second factor",
    dependencies=AUTHENTICATED,
    responses=BODY_ERRORS,
    openapi_extra=MFA_BODY,
)
async def require_mfa_of_group(
    request: Request, provider: ProviderDep, name: NamePath
) -> JSONResponse:
    client_id = _caller(request, provider)
    required = mfa_requirement(await json_body(request, provider))

    def require(authz: Authz) -> Group:
        authz.require_mfa_of_group(name, required)
        return authz.group(name)

    return _json(group_json(await _changing(provider, client_id, require)))


@router.put(
    f"{V1}/groups/{{name}}/roles/{{role:path}}",
    summary="Members of the group (and of its subgroups) hold a role",
    status_code=201,
    dependencies=AUTHENTICATED,
    responses=ADDED | READ_ERRORS,
)
async def add_group_role(
    request: Request, provider: ProviderDep, name: NamePath, role: RolePath
) -> Response:
    client_id = _caller(request, provider)
    return _added(
        await _changing(provider, client_id, lambda authz: authz.add_group_role(name, role))
    )


@router.delete(
    f"{V1}/groups/{{name}}/roles/{{role:path}}",
    summary="The group no longer gives a role",
    status_code=204,
    dependencies=AUTHENTICATED,
    responses=READ_ERRORS,
)
async def remove_group_role(
    request: Request, provider: ProviderDep, name: NamePath, role: RolePath
) -> Response:
    client_id = _caller(request, provider)
    changed = await _changing(
        provider, client_id, lambda authz: authz.remove_group_role(name, role)
    )
    return _removed(changed, f"{name} does not give {role}")


@router.get(
    f"{V1}/groups/{{name}}/members",
    summary="The ids of the users in the group itself (not in its subgroups)",
    dependencies=AUTHENTICATED,
    responses=READ_ERRORS,
)
def list_members(request: Request, provider: ProviderDep, name: NamePath) -> JSONResponse:
    members = _reading(request, provider, lambda authz: authz.members(name))
    return _json([member_json(member) for member in members])


@router.put(
    f"{V1}/groups/{{name}}/members/{{user_id}}",
    summary="Add a user to the group",
    status_code=201,
    dependencies=AUTHENTICATED,
    responses=ADDED | READ_ERRORS,
)
async def add_member(
    request: Request, provider: ProviderDep, name: NamePath, user_id: UserIdPath
) -> Response:
    client_id = _caller(request, provider)
    return _added(
        await _changing(provider, client_id, lambda authz: authz.add_member(name, user_id))
    )


@router.delete(
    f"{V1}/groups/{{name}}/members/{{user_id}}",
    summary="Remove a user from the group",
    status_code=204,
    dependencies=AUTHENTICATED,
    responses=READ_ERRORS,
)
async def remove_member(
    request: Request, provider: ProviderDep, name: NamePath, user_id: UserIdPath
) -> Response:
    client_id = _caller(request, provider)
    changed = await _changing(provider, client_id, lambda authz: authz.remove_member(name, user_id))
    return _removed(changed, f"{user_id} is not in {name}")


# Users


@router.get(
    f"{V1}/users/{{user_id}}/roles",
    summary="The roles given to a user directly",
    dependencies=AUTHENTICATED,
    responses=READ_ERRORS,
)
def list_user_roles(request: Request, provider: ProviderDep, user_id: UserIdPath) -> JSONResponse:
    assigned = _reading(request, provider, lambda authz: authz.assignments(user_id))
    return _json(sorted(str(ref) for ref in assigned.roles))


@router.put(
    f"{V1}/users/{{user_id}}/roles/{{role:path}}",
    summary="Give a user a role directly",
    status_code=201,
    dependencies=AUTHENTICATED,
    responses=ADDED | READ_ERRORS,
)
async def assign_role(
    request: Request, provider: ProviderDep, user_id: UserIdPath, role: RolePath
) -> Response:
    client_id = _caller(request, provider)
    return _added(
        await _changing(provider, client_id, lambda authz: authz.assign_role(user_id, role))
    )


@router.delete(
    f"{V1}/users/{{user_id}}/roles/{{role:path}}",
    summary="Take a directly given role from a user",
    status_code=204,
    dependencies=AUTHENTICATED,
    responses=READ_ERRORS,
)
async def unassign_role(
    request: Request, provider: ProviderDep, user_id: UserIdPath, role: RolePath
) -> Response:
    client_id = _caller(request, provider)
    changed = await _changing(provider, client_id, lambda authz: authz.unassign_role(user_id, role))
    return _removed(changed, f"{user_id} was not given {role}")


@router.get(
    f"{V1}/users/{{user_id}}/groups",
    summary="The groups a user is a member of directly",
    dependencies=AUTHENTICATED,
    responses=READ_ERRORS,
)
def list_user_groups(request: Request, provider: ProviderDep, user_id: UserIdPath) -> JSONResponse:
    assigned = _reading(request, provider, lambda authz: authz.assignments(user_id))
    return _json(sorted(assigned.groups))


@router.get(
    f"{V1}/users/{{user_id}}/access",
    summary="What a user holds in effect: roles (through groups and composites), groups "
    "(with their ancestors), permissions",
    dependencies=AUTHENTICATED,
    responses=READ_ERRORS,
)
def read_access(request: Request, provider: ProviderDep, user_id: UserIdPath) -> JSONResponse:
    return _json(access_json(_reading(request, provider, lambda authz: authz.effective(user_id))))


@router.get(
    f"{V1}/users/{{user_id}}/attributes",
    summary="A user's typed attributes",
    dependencies=AUTHENTICATED,
    responses=READ_ERRORS,
)
def list_attributes(request: Request, provider: ProviderDep, user_id: UserIdPath) -> JSONResponse:
    return _json(
        attributes_json(_reading(request, provider, lambda authz: authz.attributes(user_id)))
    )


@router.put(
    f"{V1}/users/{{user_id}}/attributes/{{name}}",
    summary="Set a user's attribute: a string, number, boolean or list of strings",
    dependencies=AUTHENTICATED,
    responses=FIRST_SET | BODY_ERRORS,
    openapi_extra=ATTRIBUTE_BODY,
)
async def set_attribute(
    request: Request, provider: ProviderDep, user_id: UserIdPath, name: AttributePath
) -> JSONResponse:
    client_id = _caller(request, provider)
    value = attribute_value(name, await json_body(request, provider))

    def set_it(authz: Authz) -> bool:
        new = name not in authz.attributes(user_id)
        authz.set_attribute(user_id, name, value)
        return new

    created = await _changing(provider, client_id, set_it)
    return _json(attribute_entry_json(value), 201 if created else 200)


@router.delete(
    f"{V1}/users/{{user_id}}/attributes/{{name}}",
    summary="Remove a user's attribute",
    status_code=204,
    dependencies=AUTHENTICATED,
    responses=READ_ERRORS,
)
async def unset_attribute(
    request: Request, provider: ProviderDep, user_id: UserIdPath, name: AttributePath
) -> Response:
    client_id = _caller(request, provider)
    changed = await _changing(
        provider, client_id, lambda authz: authz.unset_attribute(user_id, name)
    )
    return _removed(changed, f"{user_id} has no attribute {name}")


# History


@router.get(
    f"{V1}/authz/changes",
    summary="Changes to roles, groups, assignments and attributes, newest first, with their actor",
    dependencies=AUTHENTICATED,
    responses=READ_ERRORS,
)
def list_changes(
    request: Request,
    provider: ProviderDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many")] = 100,
    before: Annotated[
        int | None, Query(ge=1, description="Only changes older than this id (the next page)")
    ] = None,
) -> JSONResponse:
    changes = _reading(request, provider, lambda authz: authz.changes(limit, before))
    return _json(changes)
