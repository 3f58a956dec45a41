"""What a user holds in effect, and the rules that keep the model acyclic.

A user's effective roles are the roles given to them and to each group they belong to
and its ancestors, closed under composition (a composite role brings every role it
includes, transitively); their permissions are those of the effective roles; a second
factor is required of them when one of the effective roles or groups requires it. Both the
composite graph and the group tree must stay acyclic (NIST RBAC, ANSI INCITS 359-2004
§6.2: the role hierarchy is a partial order), so a change that would close a cycle is
refused, naming the cycle."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from idp.authz.model import Assignments, CycleError, Model, RoleRef


@dataclass(frozen=True)
class Effective:
    """What one user holds, computed once per token issuance (idp.authz.cache)."""

    roles: tuple[RoleRef, ...] = ()  # sorted, realm and client roles
    groups: tuple[str, ...] = ()  # sorted, with the ancestors of the user's groups
    permissions: tuple[str, ...] = ()  # sorted
    mfa_required: bool = False  # by one of the roles or groups (idp.authn.mfa_policy)

    def realm_roles(self) -> list[str]:
        return [ref.name for ref in self.roles if ref.client_id is None]

    def client_roles(self, client_id: str) -> list[str]:
        return [ref.name for ref in self.roles if ref.client_id == client_id]

    def resource_access(self) -> dict[str, dict[str, list[str]]]:
        """Keycloak's shape: client id -> {"roles": [...]}."""
        access: dict[str, dict[str, list[str]]] = {}
        for ref in self.roles:
            if ref.client_id is not None:
                access.setdefault(ref.client_id, {"roles": []})["roles"].append(ref.name)
        return access


def group_ancestry(model: Model, name: str) -> list[str]:
    """The group and its ancestors, nearest first (the tree is acyclic by construction;
    a cycle that storage held anyway is cut where it repeats)."""
    chain: list[str] = []
    current: str | None = name
    while current is not None and current not in chain and current in model.groups:
        chain.append(current)
        current = model.groups[current].parent
    return chain


def role_closure(model: Model, roles: Iterable[RoleRef]) -> set[RoleRef]:
    """The roles and every role they include, transitively; unknown roles dropped."""
    seen: set[RoleRef] = set()
    pending = [ref for ref in roles if ref in model.roles]
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        pending.extend(child for child in model.roles[ref].composites if child in model.roles)
    return seen


def effective(model: Model, assignments: Assignments) -> Effective:
    groups: set[str] = set()
    for name in assignments.groups:
        groups.update(group_ancestry(model, name))
    given = set(assignments.roles)
    for name in groups:
        given.update(model.groups[name].roles)
    roles = role_closure(model, given)
    permissions = {permission for ref in roles for permission in model.roles[ref].permissions}
    mfa_required = any(model.roles[ref].mfa_required for ref in roles) or any(
        model.groups[name].mfa_required for name in groups
    )
    return Effective(
        tuple(sorted(roles)), tuple(sorted(groups)), tuple(sorted(permissions)), mfa_required
    )


def check_composite(model: Model, role: RoleRef, includes: RoleRef) -> None:
    """``role`` may include ``includes`` unless ``includes`` already reaches ``role``."""
    path = _role_path(model, includes, role)
    if path is not None:
        raise CycleError("composite role", [str(ref) for ref in [role, *path]])


def _role_path(model: Model, start: RoleRef, goal: RoleRef) -> list[RoleRef] | None:
    """A path of inclusions from ``start`` to ``goal`` (both ends included), if any."""
    parents: dict[RoleRef, RoleRef | None] = {start: None}
    pending = [start]
    while pending:
        ref = pending.pop(0)
        if ref == goal:
            path = [ref]
            while (previous := parents[path[-1]]) is not None:
                path.append(previous)
            return list(reversed(path))
        role = model.roles.get(ref)
        for child in sorted(role.composites) if role else ():
            if child not in parents:
                parents[child] = ref
                pending.append(child)
    return None


def check_parent(model: Model, group: str, parent: str) -> None:
    """``group`` may be nested in ``parent`` unless ``group`` is ``parent`` or one of its
    ancestors."""
    ancestry = group_ancestry(model, parent)
    if group in ancestry:
        cycle = ancestry[: ancestry.index(group) + 1]
        raise CycleError("group", [group, *cycle])


def groups_below(model: Model, names: Iterable[str]) -> set[str]:
    """The groups and every group nested in them, at any depth."""
    wanted = set(names)
    return {name for name in model.groups if wanted.intersection(group_ancestry(model, name))}


def roles_including(model: Model, ref: RoleRef) -> set[RoleRef]:
    """The role and every composite that includes it, at any depth."""
    included_by: dict[RoleRef, list[RoleRef]] = {}
    for role in model.roles.values():
        for child in role.composites:
            included_by.setdefault(child, []).append(role.ref)
    seen = {ref}
    pending = [ref]
    while pending:
        for parent in included_by.get(pending.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                pending.append(parent)
    return seen
