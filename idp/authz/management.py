"""Changing the RBAC model: the rules every change follows, shared by the CLI and the
admin API (idp.admin.routes.authz), and the reads that check what they name exists.

Each change is checked first (names, the roles and groups it refers to, cycles), then
written, then recorded with its actor (the operator, or the admin API's calling client) in the
model's audit trail (``authz_changes``).
Users whose effective roles, groups or permissions it changes hear of it: one CAEP
``token-claims-change`` event each (CAEP 1.0 §3.2: the changed claims and their new
values), at most ``MAX_CLAIMS_CHANGE_EVENTS`` per change; beyond that the audit record
says how many went unannounced (a change that large is better told by a stream's
receivers re-reading the user)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from idp.authz.model import (
    MAX_ATTRIBUTES_PER_USER,
    Assignments,
    AttributeValue,
    ConflictingChangeError,
    DuplicateError,
    Group,
    Member,
    Model,
    Role,
    RoleRef,
    UnknownError,
    attribute_json,
    check_attribute,
    check_description,
    check_name,
    check_permission,
)
from idp.authz.roles import (
    Effective,
    check_composite,
    check_parent,
    effective,
    groups_below,
    roles_including,
)
from idp.authz.storage import AuthzStore
from idp.revocation.events import SecurityEventType

log = logging.getLogger("idp.authz")
MAX_CLAIMS_CHANGE_EVENTS = 1000


@dataclass(frozen=True)
class Authz:
    store: AuthzStore
    now: int
    actor: str  # who changes: idp.revocation.events OPERATOR, or client_actor(client_id)

    # Roles

    def create_role(self, ref: str, description: str | None = None) -> Role:
        role = Role(RoleRef.parse(ref), check_description(description))
        if role.ref.client_id is not None and not self.store.client_exists(role.ref.client_id):
            raise UnknownError("client", role.ref.client_id)
        if role.ref in self.store.load_authz_model().roles:
            raise DuplicateError("role", ref)
        self.store.create_role(role, self.now)
        self._audit("role.create", ref, {"description": description})
        return role

    def delete_role(self, ref: str) -> None:
        role = self.role(ref)
        self._changing(
            self._users_of_role(role.ref),
            lambda: self.store.delete_role(role.ref),
            "role.delete",
            ref,
        )

    def add_composite(self, ref: str, includes: str) -> bool:
        role, child = self.role(ref), self.role(includes)
        if child.ref in role.composites:
            return False
        check_composite(self.store.load_authz_model(), role.ref, child.ref)
        self._changing(
            self._users_of_role(role.ref),
            lambda: self.store.add_composite(role.ref, child.ref),
            "role.composite.add",
            ref,
            {"includes": includes},
        )
        return True

    def remove_composite(self, ref: str, includes: str) -> bool:
        role, child = self.role(ref), self.role(includes)
        if child.ref not in role.composites:
            return False
        self._changing(
            self._users_of_role(role.ref),
            lambda: self.store.remove_composite(role.ref, child.ref),
            "role.composite.remove",
            ref,
            {"includes": includes},
        )
        return True

    def grant_permission(self, ref: str, permission: str) -> bool:
        role = self.role(ref)
        check_permission(permission)
        if permission in role.permissions:
            return False
        self._changing(
            self._users_of_role(role.ref),
            lambda: self.store.add_permission(role.ref, permission),
            "role.permission.grant",
            ref,
            {"permission": permission},
        )
        return True

    def revoke_permission(self, ref: str, permission: str) -> bool:
        role = self.role(ref)
        if permission not in role.permissions:
            return False
        self._changing(
            self._users_of_role(role.ref),
            lambda: self.store.remove_permission(role.ref, permission),
            "role.permission.revoke",
            ref,
            {"permission": permission},
        )
        return True

    def require_mfa_of_role(self, ref: str, required: bool) -> bool:
        """Its holders (directly, through a group or a composite) sign in with a second
        factor, enrolled at the next sign-in if they have none. False if unchanged."""
        role = self.role(ref)
        if role.mfa_required == required:
            return False
        self.store.set_role_mfa_required(role.ref, required)
        self._audit("role.mfa.set", ref, {"mfa_required": required})
        return True

    def assign_role(self, user_id: str, ref: str) -> bool:
        role = self.role(ref)
        self._user(user_id)
        if role.ref in self.store.load_assignments(user_id).roles:
            return False
        self._changing(
            [user_id],
            lambda: self.store.assign_role(user_id, role.ref),
            "user.role.assign",
            ref,
            {"user": user_id},
        )
        return True

    def unassign_role(self, user_id: str, ref: str) -> bool:
        role = self.role(ref)
        self._user(user_id)
        if role.ref not in self.store.load_assignments(user_id).roles:
            return False
        self._changing(
            [user_id],
            lambda: self.store.unassign_role(user_id, role.ref),
            "user.role.unassign",
            ref,
            {"user": user_id},
        )
        return True

    # Groups

    def create_group(
        self, name: str, description: str | None = None, parent: str | None = None
    ) -> Group:
        check_name("group", name)
        group = Group(name, check_description(description), parent)
        model = self.store.load_authz_model()
        if name in model.groups:
            raise DuplicateError("group", name)
        if parent is not None and parent not in model.groups:
            raise UnknownError("group", parent)
        self.store.create_group(group, self.now)
        self._audit("group.create", name, {"description": description, "parent": parent})
        return group

    def delete_group(self, name: str) -> None:
        """The group's subgroups become top-level groups; its members keep their other
        groups."""
        self.group(name)
        self._changing(
            self._users_of_groups([name]),
            lambda: self.store.delete_group(name),
            "group.delete",
            name,
        )

    def require_mfa_of_group(self, name: str, required: bool) -> bool:
        """Its members and the members of the groups nested in it sign in with a second
        factor, enrolled at the next sign-in if they have none. False if unchanged."""
        group = self.group(name)
        if group.mfa_required == required:
            return False
        self.store.set_group_mfa_required(name, required)
        self._audit("group.mfa.set", name, {"mfa_required": required})
        return True

    def set_parent(self, name: str, parent: str | None) -> bool:
        group = self.group(name)
        if parent is not None:
            self.group(parent)
            check_parent(self.store.load_authz_model(), name, parent)
        if group.parent == parent:
            return False
        self._changing(
            self._users_of_groups([name]),
            lambda: self.store.set_group_parent(name, parent),
            "group.parent.set",
            name,
            {"parent": parent},
        )
        return True

    def add_group_role(self, name: str, ref: str) -> bool:
        group, role = self.group(name), self.role(ref)
        if role.ref in group.roles:
            return False
        self._changing(
            self._users_of_groups([name]),
            lambda: self.store.add_group_role(name, role.ref),
            "group.role.add",
            name,
            {"role": ref},
        )
        return True

    def remove_group_role(self, name: str, ref: str) -> bool:
        group, role = self.group(name), self.role(ref)
        if role.ref not in group.roles:
            return False
        self._changing(
            self._users_of_groups([name]),
            lambda: self.store.remove_group_role(name, role.ref),
            "group.role.remove",
            name,
            {"role": ref},
        )
        return True

    def add_member(self, name: str, user_id: str) -> bool:
        self.group(name)
        self._user(user_id)
        if name in self.store.load_assignments(user_id).groups:
            return False
        self._changing(
            [user_id],
            lambda: self.store.add_member(name, user_id),
            "group.member.add",
            name,
            {"user": user_id},
        )
        return True

    def remove_member(self, name: str, user_id: str) -> bool:
        self.group(name)
        self._user(user_id)
        if name not in self.store.load_assignments(user_id).groups:
            return False
        self._changing(
            [user_id],
            lambda: self.store.remove_member(name, user_id),
            "group.member.remove",
            name,
            {"user": user_id},
        )
        return True

    # Attributes

    def set_attribute(self, user_id: str, name: str, value: AttributeValue) -> None:
        self._user(user_id)
        value = check_attribute(name, value)
        current = self.store.load_user_attributes(user_id)
        if name not in current and len(current) >= MAX_ATTRIBUTES_PER_USER:
            raise ConflictingChangeError(f"a user has at most {MAX_ATTRIBUTES_PER_USER} attributes")
        if current.get(name) == value:
            return
        self.store.set_user_attribute(user_id, name, value)
        self._audit("user.attribute.set", name, {"user": user_id})
        self._claims_changed(user_id, {name: attribute_json(value)})

    def unset_attribute(self, user_id: str, name: str) -> bool:
        self._user(user_id)
        if not self.store.unset_user_attribute(user_id, name):
            return False
        self._audit("user.attribute.unset", name, {"user": user_id})
        self._claims_changed(user_id, {name: None})
        return True

    # Reads: what exists, and what a user holds

    def roles(self, client_id: str | None = None) -> list[Role]:
        """The realm's roles (``client_id`` None), or one client's."""
        if client_id is not None and not self.store.client_exists(client_id):
            raise UnknownError("client", client_id)
        roles = self.store.load_authz_model().roles
        return [role for ref, role in sorted(roles.items()) if ref.client_id == client_id]

    def groups(self) -> list[Group]:
        return [group for _, group in sorted(self.store.load_authz_model().groups.items())]

    def changes(self, limit: int, before: int | None = None) -> list[dict[str, Any]]:
        """The audit trail, newest first."""
        return self.store.list_authz_changes(limit, before)

    def role(self, ref: str) -> Role:
        parsed = RoleRef.parse(ref)
        role = self.store.load_authz_model().roles.get(parsed)
        if role is None:
            raise UnknownError("role", ref)
        return role

    def group(self, name: str) -> Group:
        group = self.store.load_authz_model().groups.get(name)
        if group is None:
            raise UnknownError("group", name)
        return group

    def members(self, name: str) -> list[Member]:
        """The users in the group itself (not in the groups nested in it)."""
        self.group(name)
        return self.store.list_members(name)

    def assignments(self, user_id: str) -> Assignments:
        self._user(user_id)
        return self.store.load_assignments(user_id)

    def attributes(self, user_id: str) -> dict[str, AttributeValue]:
        self._user(user_id)
        return dict(self.store.load_user_attributes(user_id))

    def effective(self, user_id: str) -> Effective:
        return effective(self.store.load_authz_model(), self.assignments(user_id))

    # Helpers

    def _user(self, user_id: str) -> None:
        if not self.store.user_exists(user_id):
            raise UnknownError("user", user_id)

    def _users_of_role(self, ref: RoleRef) -> list[str]:
        model = self.store.load_authz_model()
        roles = roles_including(model, ref)
        groups = {name for name, group in model.groups.items() if group.roles & roles}
        return self.store.users_holding(
            roles, groups_below(model, groups), MAX_CLAIMS_CHANGE_EVENTS + 1
        )

    def _users_of_groups(self, names: Iterable[str]) -> list[str]:
        model = self.store.load_authz_model()
        return self.store.users_holding(
            set(), groups_below(model, names), MAX_CLAIMS_CHANGE_EVENTS + 1
        )

    def _changing(
        self,
        users: list[str],
        apply: Callable[[], object],
        action: str,
        target: str,
        detail: dict[str, Any] | None = None,
    ) -> None:
        announced = users[:MAX_CLAIMS_CHANGE_EVENTS]
        before = self._effective_of(self.store.load_authz_model(), announced)
        apply()
        after = self._effective_of(self.store.load_authz_model(), announced)
        changed = 0
        for user_id in announced:
            claims = _changed_claims(before[user_id], after[user_id])
            if claims:
                self._claims_changed(user_id, claims)
                changed += 1
        record = dict(detail or {}, users_notified=changed)
        if len(users) > MAX_CLAIMS_CHANGE_EVENTS:
            record["users_not_notified"] = "more"
            log.warning(
                "%s %s affects more than %d users; only that many were sent token-claims-change",
                action,
                target,
                MAX_CLAIMS_CHANGE_EVENTS,
            )
        self._audit(action, target, record)

    def _effective_of(self, model: Model, users: list[str]) -> dict[str, Effective]:
        return {
            user_id: effective(model, self.store.load_assignments(user_id)) for user_id in users
        }

    def _claims_changed(self, user_id: str, claims: dict[str, Any]) -> None:
        self.store.record_security_event(
            SecurityEventType.TOKEN_CLAIMS_CHANGE,
            subject=user_id,
            now=self.now,
            detail={"claims": claims, "actor": self.actor},
        )

    def _audit(self, action: str, target: str, detail: dict[str, Any]) -> None:
        self.store.record_authz_change(
            actor=self.actor, action=action, target=target, detail=detail, now=self.now
        )


def _changed_claims(before: Effective, after: Effective) -> dict[str, Any]:
    """CAEP 1.0 §3.2: the claims that changed, with their new values."""
    claims: dict[str, Any] = {}
    if before.roles != after.roles:
        claims["roles"] = [str(ref) for ref in after.roles]
    if before.groups != after.groups:
        claims["groups"] = list(after.groups)
    if before.permissions != after.permissions:
        claims["permissions"] = list(after.permissions)
    return claims
