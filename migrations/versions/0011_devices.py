"""remembered devices: browsers a user asked to be remembered at the second factor

Revision ID: 0011
Revises: 0010

A new table only: nobody has a remembered device yet, and the feature is off until an
operator sets IDP_REMEMBER_DEVICE_DAYS.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "remembered_devices",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("device_digest", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=255), nullable=False),
        sa.Column("networks", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("last_used_at", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_remembered_devices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "device_digest", name=op.f("pk_remembered_devices")),
    )
    with op.batch_alter_table("remembered_devices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_remembered_devices_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("remembered_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_remembered_devices_expires_at"))
    op.drop_table("remembered_devices")
