"""role-based access control: roles (realm-wide and per client), composite roles,
nested groups, permissions, user attributes, the model's audit trail, and each client's
claim mapping

Revision ID: 0012
Revises: 0011

Existing users and clients keep working as before: nobody holds a role yet, and no
client has a claim mapping, so tokens carry no new claims until an operator maps some.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, referred: str, referred_column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{referred}.{referred_column}"],
        name=op.f(f"fk_{table}_{column}_{referred}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "roles",
        sa.Column("ref", sa.String(length=129), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.Integer(), nullable=False),
        _fk("roles", "client_id", "clients", "client_id"),
        sa.PrimaryKeyConstraint("ref", name=op.f("pk_roles")),
    )
    op.create_index(op.f("ix_roles_client_id"), "roles", ["client_id"])
    op.create_table(
        "role_composites",
        sa.Column("role", sa.String(length=129), nullable=False),
        sa.Column("includes", sa.String(length=129), nullable=False),
        _fk("role_composites", "role", "roles", "ref"),
        _fk("role_composites", "includes", "roles", "ref"),
        sa.PrimaryKeyConstraint("role", "includes", name=op.f("pk_role_composites")),
    )
    op.create_index(op.f("ix_role_composites_includes"), "role_composites", ["includes"])
    op.create_table(
        "role_permissions",
        sa.Column("role", sa.String(length=129), nullable=False),
        sa.Column("permission", sa.String(length=127), nullable=False),
        _fk("role_permissions", "role", "roles", "ref"),
        sa.PrimaryKeyConstraint("role", "permission", name=op.f("pk_role_permissions")),
    )
    op.create_table(
        "authz_groups",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_authz_groups")),
    )
    op.create_table(
        "group_parents",
        sa.Column("group_name", sa.String(length=64), nullable=False),
        sa.Column("parent", sa.String(length=64), nullable=False),
        _fk("group_parents", "group_name", "authz_groups", "name"),
        _fk("group_parents", "parent", "authz_groups", "name"),
        sa.PrimaryKeyConstraint("group_name", name=op.f("pk_group_parents")),
    )
    op.create_index(op.f("ix_group_parents_parent"), "group_parents", ["parent"])
    op.create_table(
        "group_roles",
        sa.Column("group_name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=129), nullable=False),
        _fk("group_roles", "group_name", "authz_groups", "name"),
        _fk("group_roles", "role", "roles", "ref"),
        sa.PrimaryKeyConstraint("group_name", "role", name=op.f("pk_group_roles")),
    )
    op.create_index(op.f("ix_group_roles_role"), "group_roles", ["role"])
    op.create_table(
        "group_members",
        sa.Column("group_name", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        _fk("group_members", "group_name", "authz_groups", "name"),
        _fk("group_members", "user_id", "users", "id"),
        sa.PrimaryKeyConstraint("group_name", "user_id", name=op.f("pk_group_members")),
    )
    op.create_index(op.f("ix_group_members_user_id"), "group_members", ["user_id"])
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=129), nullable=False),
        _fk("user_roles", "user_id", "users", "id"),
        _fk("user_roles", "role", "roles", "ref"),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_user_roles")),
    )
    op.create_index(op.f("ix_user_roles_role"), "user_roles", ["role"])
    op.create_table(
        "user_attributes",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        _fk("user_attributes", "user_id", "users", "id"),
        sa.PrimaryKeyConstraint("user_id", "name", name=op.f("pk_user_attributes")),
    )
    op.create_table(
        "authz_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authz_changes")),
    )
    op.create_index(op.f("ix_authz_changes_created_at"), "authz_changes", ["created_at"])
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_mapping", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("claim_mapping")
    for table in (
        "authz_changes",
        "user_attributes",
        "user_roles",
        "group_members",
        "group_roles",
        "group_parents",
        "authz_groups",
        "role_permissions",
        "role_composites",
        "roles",
    ):
        op.drop_table(table)
