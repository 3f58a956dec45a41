"""mail links: password-reset and sign-in links sent by mail

Revision ID: 0010
Revises: 0009

A new table only; every existing row stays as it was.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_links",
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("browser_digest", sa.String(length=64), nullable=True),
        sa.Column("interaction", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_mail_links_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_digest", name=op.f("pk_mail_links")),
    )
    with op.batch_alter_table("mail_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_links_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_links_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mail_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_links_expires_at"))
        batch_op.drop_index(batch_op.f("ix_mail_links_user_id"))
    op.drop_table("mail_links")
