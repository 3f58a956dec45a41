"""authorization codes: the acr their tokens say, where an essential acr request (OIDC
Core §5.5.1.1) named another class than the session's

Revision ID: 0013
Revises: 0012

A nullable column: codes issued before (at most a minute old) keep the session's acr.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("authorization_codes", sa.Column("acr", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("authorization_codes", schema=None) as batch_op:
        batch_op.drop_column("acr")
