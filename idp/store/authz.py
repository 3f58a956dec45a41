"""The RBAC model (implements idp.authz.storage.AuthzStore). Every write bumps the
``authz`` cache version in its transaction (idp.authz.cache)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, select, union, update
from sqlalchemy.orm import Session

from idp.authz.model import (
    Assignments,
    AttributeValue,
    Group,
    Member,
    Model,
    Role,
    RoleRef,
    attribute_json,
    attribute_type,
    check_attribute,
)
from idp.store.cache_versions import AUTHZ_CACHE, CacheVersionQueries
from idp.store.database import affected_rows
from idp.store.models import (
    AuthzChangeRow,
    AuthzGroupRow,
    ClientRow,
    GroupMemberRow,
    GroupParentRow,
    GroupRoleRow,
    RoleCompositeRow,
    RolePermissionRow,
    RoleRow,
    UserAttributeRow,
    UserRoleRow,
    UserRow,
)


class AuthzQueries(CacheVersionQueries):
    session: Session

    def load_authz_model(self) -> Model:
        composites: dict[str, set[RoleRef]] = {}
        for composite in self.session.scalars(select(RoleCompositeRow)):
            composites.setdefault(composite.role, set()).add(RoleRef.parse(composite.includes))
        permissions: dict[str, set[str]] = {}
        for granted in self.session.scalars(select(RolePermissionRow)):
            permissions.setdefault(granted.role, set()).add(granted.permission)
        roles = {}
        for row in self.session.scalars(select(RoleRow)):
            ref = RoleRef(row.name, row.client_id)
            roles[ref] = Role(
                ref,
                row.description,
                frozenset(composites.get(row.ref, ())),
                frozenset(permissions.get(row.ref, ())),
                row.mfa_required,
            )
        parents = {
            row.group_name: row.parent for row in self.session.scalars(select(GroupParentRow))
        }
        group_roles: dict[str, set[RoleRef]] = {}
        for given in self.session.scalars(select(GroupRoleRow)):
            group_roles.setdefault(given.group_name, set()).add(RoleRef.parse(given.role))
        groups = {
            row.name: Group(
                row.name,
                row.description,
                parents.get(row.name),
                frozenset(group_roles.get(row.name, ())),
                row.mfa_required,
            )
            for row in self.session.scalars(select(AuthzGroupRow))
        }
        return Model(roles, groups)

    def load_assignments(self, user_id: str) -> Assignments:
        roles = self.session.scalars(select(UserRoleRow.role).where(UserRoleRow.user_id == user_id))
        groups = self.session.scalars(
            select(GroupMemberRow.group_name).where(GroupMemberRow.user_id == user_id)
        )
        return Assignments(frozenset(RoleRef.parse(ref) for ref in roles), frozenset(groups))

    def load_user_attributes(self, user_id: str) -> Mapping[str, AttributeValue]:
        rows = self.session.scalars(
            select(UserAttributeRow)
            .where(UserAttributeRow.user_id == user_id)
            .order_by(UserAttributeRow.name)
        )
        return {row.name: check_attribute(row.name, row.value) for row in rows}

    def client_exists(self, client_id: str) -> bool:
        return self.session.get(ClientRow, client_id) is not None

    def user_exists(self, user_id: str) -> bool:
        return self.session.get(UserRow, user_id) is not None

    def user_disabled(self, user_id: str) -> bool | None:
        row = self.session.get(UserRow, user_id)
        return None if row is None else row.disabled

    def create_role(self, role: Role, now: int) -> None:
        self.session.add(
            RoleRow(
                ref=str(role.ref),
                name=role.ref.name,
                client_id=role.ref.client_id,
                description=role.description,
                created_at=now,
                mfa_required=role.mfa_required,
            )
        )
        self._changed()

    def set_role_mfa_required(self, ref: RoleRef, required: bool) -> None:
        self.session.execute(
            update(RoleRow).where(RoleRow.ref == str(ref)).values(mfa_required=required)
        )
        self._changed()

    def delete_role(self, ref: RoleRef) -> bool:
        return self._deleted(delete(RoleRow).where(RoleRow.ref == str(ref)))

    def add_composite(self, ref: RoleRef, includes: RoleRef) -> bool:
        self.session.add(RoleCompositeRow(role=str(ref), includes=str(includes)))
        self._changed()
        return True

    def remove_composite(self, ref: RoleRef, includes: RoleRef) -> bool:
        return self._deleted(
            delete(RoleCompositeRow).where(
                RoleCompositeRow.role == str(ref), RoleCompositeRow.includes == str(includes)
            )
        )

    def add_permission(self, ref: RoleRef, permission: str) -> bool:
        self.session.add(RolePermissionRow(role=str(ref), permission=permission))
        self._changed()
        return True

    def remove_permission(self, ref: RoleRef, permission: str) -> bool:
        return self._deleted(
            delete(RolePermissionRow).where(
                RolePermissionRow.role == str(ref), RolePermissionRow.permission == permission
            )
        )

    def create_group(self, group: Group, now: int) -> None:
        self.session.add(
            AuthzGroupRow(
                name=group.name,
                description=group.description,
                created_at=now,
                mfa_required=group.mfa_required,
            )
        )
        self.session.flush()
        if group.parent is not None:
            self.session.add(GroupParentRow(group_name=group.name, parent=group.parent))
        self._changed()

    def delete_group(self, name: str) -> bool:
        # Explicitly, so SQLite's foreign keys being off in some tools cannot leave rows.
        for table in (GroupParentRow, GroupRoleRow, GroupMemberRow):
            self.session.execute(delete(table).where(table.group_name == name))
        self.session.execute(delete(GroupParentRow).where(GroupParentRow.parent == name))
        return self._deleted(delete(AuthzGroupRow).where(AuthzGroupRow.name == name))

    def set_group_mfa_required(self, name: str, required: bool) -> None:
        self.session.execute(
            update(AuthzGroupRow).where(AuthzGroupRow.name == name).values(mfa_required=required)
        )
        self._changed()

    def set_group_parent(self, name: str, parent: str | None) -> None:
        self.session.execute(delete(GroupParentRow).where(GroupParentRow.group_name == name))
        if parent is not None:
            self.session.add(GroupParentRow(group_name=name, parent=parent))
        self._changed()

    def add_group_role(self, name: str, ref: RoleRef) -> bool:
        self.session.add(GroupRoleRow(group_name=name, role=str(ref)))
        self._changed()
        return True

    def remove_group_role(self, name: str, ref: RoleRef) -> bool:
        return self._deleted(
            delete(GroupRoleRow).where(
                GroupRoleRow.group_name == name, GroupRoleRow.role == str(ref)
            )
        )

    def add_member(self, name: str, user_id: str) -> bool:
        self.session.add(GroupMemberRow(group_name=name, user_id=user_id))
        self._changed()
        return True

    def remove_member(self, name: str, user_id: str) -> bool:
        return self._deleted(
            delete(GroupMemberRow).where(
                GroupMemberRow.group_name == name, GroupMemberRow.user_id == user_id
            )
        )

    def list_members(self, name: str) -> list[Member]:
        rows = self.session.execute(
            select(UserRow.id, UserRow.username)
            .join(GroupMemberRow, GroupMemberRow.user_id == UserRow.id)
            .where(GroupMemberRow.group_name == name)
            .order_by(UserRow.username)
        )
        return [Member(user_id, username) for user_id, username in rows]

    def assign_role(self, user_id: str, ref: RoleRef) -> bool:
        self.session.add(UserRoleRow(user_id=user_id, role=str(ref)))
        self._changed()
        return True

    def unassign_role(self, user_id: str, ref: RoleRef) -> bool:
        return self._deleted(
            delete(UserRoleRow).where(UserRoleRow.user_id == user_id, UserRoleRow.role == str(ref))
        )

    def set_user_attribute(self, user_id: str, name: str, value: AttributeValue) -> None:
        row = self.session.get(UserAttributeRow, (user_id, name))
        kind, stored = attribute_type(value).value, attribute_json(value)
        if row is None:
            self.session.add(UserAttributeRow(user_id=user_id, name=name, kind=kind, value=stored))
        else:
            row.kind, row.value = kind, stored
        self._changed()

    def unset_user_attribute(self, user_id: str, name: str) -> bool:
        return self._deleted(
            delete(UserAttributeRow).where(
                UserAttributeRow.user_id == user_id, UserAttributeRow.name == name
            )
        )

    def count_user_attributes(self, user_id: str) -> int:
        return int(
            self.session.scalar(select(func.count()).where(UserAttributeRow.user_id == user_id))
            or 0
        )

    def users_holding(self, roles: set[RoleRef], groups: set[str], limit: int) -> list[str]:
        queries = []
        if roles:
            queries.append(
                select(UserRoleRow.user_id).where(UserRoleRow.role.in_([str(r) for r in roles]))
            )
        if groups:
            queries.append(
                select(GroupMemberRow.user_id).where(GroupMemberRow.group_name.in_(groups))
            )
        if not queries:
            return []
        users = union(*queries).subquery()
        return list(
            self.session.scalars(select(users.c.user_id).order_by(users.c.user_id).limit(limit))
        )

    def record_authz_change(
        self, *, actor: str, action: str, target: str, detail: dict[str, Any], now: int
    ) -> None:
        self.session.add(
            AuthzChangeRow(
                created_at=now, actor=actor, action=action, target=target[:255], detail=detail
            )
        )
        self.session.flush()

    def list_authz_changes(
        self, limit: int = 100, before: int | None = None
    ) -> list[dict[str, Any]]:
        """Newest first; ``before``: only the changes older than that id (the next page)."""
        statement = select(AuthzChangeRow).order_by(AuthzChangeRow.id.desc()).limit(limit)
        if before is not None:
            statement = statement.where(AuthzChangeRow.id < before)
        rows = self.session.scalars(statement)
        return [
            {
                "id": row.id,
                "at": row.created_at,
                "actor": row.actor,
                "action": row.action,
                "target": row.target,
                "detail": row.detail,
            }
            for row in rows
        ]

    def _changed(self) -> None:
        self.session.flush()
        self.bump_cache_version(AUTHZ_CACHE)

    def _deleted(self, statement: Any) -> bool:
        deleted = affected_rows(self.session.execute(statement)) > 0
        self.bump_cache_version(AUTHZ_CACHE)
        return deleted
