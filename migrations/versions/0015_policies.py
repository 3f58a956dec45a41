"""the realm's policy store: append-only versions of the declaration and the Cedar
policies (idp.authz.policy_store)

Revision ID: 0015
Revises: 0013

Two new tables; nothing existing changes. Before the first publication every decision
is a deny (no policy permits anything).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("declaration", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("comment", sa.String(length=255), nullable=True),
        sa.Column("rollback_of", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_policy_versions")),
    )
    op.create_table(
        "policy_sources",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.String(length=128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version"],
            ["policy_versions.number"],
            name=op.f("fk_policy_sources_version_policy_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version", "policy_id", name=op.f("pk_policy_sources")),
    )


def downgrade() -> None:
    op.drop_table("policy_sources")
    op.drop_table("policy_versions")
