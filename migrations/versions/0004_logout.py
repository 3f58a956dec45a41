"""logout: client logout metadata, the clients that took part in each session and where
it was started, the outbox, who made each revocation

Revision ID: 0004
Revises: 0003

Sessions that exist when the upgrade runs have no recorded parties: logging out of them
notifies no client until their clients are answered again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("post_logout_redirect_uris", sa.JSON(), server_default="[]", nullable=False)
        )
        batch_op.add_column(sa.Column("backchannel_logout_uri", sa.String(2048), nullable=True))
        batch_op.add_column(
            sa.Column(
                "backchannel_logout_session_required",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("frontchannel_logout_uri", sa.String(2048), nullable=True))
        batch_op.add_column(
            sa.Column(
                "frontchannel_logout_session_required",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )
    with op.batch_alter_table("revocations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor", sa.String(80), server_default="", nullable=False))
    with op.batch_alter_table("sso_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("user_agent", sa.String(255), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("address", sa.String(64), server_default="", nullable=False))
    op.create_table(
        "session_parties",
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("joined_at", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_session_parties_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sid"],
            ["sso_sessions.sid"],
            name=op.f("fk_session_parties_sid_sso_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sid", "client_id", name=op.f("pk_session_parties")),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=2048), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=512), nullable=True),
        sa.Column("delivered_at", sa.Integer(), nullable=True),
        sa.Column("failed_at", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deliveries_next_attempt_at"), ["next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_next_attempt_at"))
    op.drop_table("deliveries")
    op.drop_table("session_parties")
    with op.batch_alter_table("sso_sessions", schema=None) as batch_op:
        batch_op.drop_column("address")
        batch_op.drop_column("user_agent")
    with op.batch_alter_table("revocations", schema=None) as batch_op:
        batch_op.drop_column("actor")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("frontchannel_logout_session_required")
        batch_op.drop_column("frontchannel_logout_uri")
        batch_op.drop_column("backchannel_logout_session_required")
        batch_op.drop_column("backchannel_logout_uri")
        batch_op.drop_column("post_logout_redirect_uris")
