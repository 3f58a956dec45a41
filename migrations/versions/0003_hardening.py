"""hardening: commit-ordered revocation reads

Revision ID: 0003
Revises: 0002
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


def downgrade() -> None:
    with op.batch_alter_table("revocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revocations_transaction_id"))
        batch_op.drop_column("transaction_id")
