"""hardening: commit-ordered revocation reads; interactions travel sealed; refresh grace; web origins

Revision ID: 0003
Revises: 0002

Interactions (suspended sign-ins, at most IDP_INTERACTION_TTL old) now travel sealed in
their URL and are no longer stored, so their table goes. A sign-in that was half done
when the upgrade ran starts again from the application; nothing else is lost.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("revocations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transaction_id", sa.BigInteger(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_revocations_transaction_id"), ["transaction_id"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        # Rows written before this revision: place them before any reader's position.
        op.execute("UPDATE revocations SET transaction_id = 0 WHERE transaction_id IS NULL")


    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interactions_expires_at"))
    op.drop_table("interactions")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "refresh_token_grace_period", sa.Integer(), server_default="0", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("web_origins", sa.JSON(), server_default="[]", nullable=False)
        )
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replay_response", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("sso_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("created_ns", sa.BigInteger(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("sso_sessions", schema=None) as batch_op:
        batch_op.drop_column("created_ns")
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.drop_column("replay_response")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("web_origins")
        batch_op.drop_column("refresh_token_grace_period")
    op.create_table(
        "interactions",
        sa.Column("id_digest", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_interactions_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_digest", name=op.f("pk_interactions")),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interactions_expires_at"), ["expires_at"], unique=False
        )
    with op.batch_alter_table("revocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revocations_transaction_id"))
        batch_op.drop_column("transaction_id")
