"""status entry batches: what status-list indexes were issued for, recorded as one row
per block and flush instead of one row per token

Revision ID: 0007
Revises: 0006

Every status_entries row is carried into status_entry_batches (one batch per block of
1024 indexes) and back on downgrade, where each entry takes its batch's expiry (the
latest of its tokens'), which only keeps a list a little longer before it is pruned.
The packing is written out here, not imported: a migration must not change when the
application's code does.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BLOCK_SIZE = 1024
ENTRY_COLUMNS = ("idx", "jti", "sid", "subject", "client_id", "issued_at")

entries = sa.table(
    "status_entries",
    sa.column("list_id", sa.Integer),
    *(sa.column(name) for name in ENTRY_COLUMNS),
    sa.column("expires_at", sa.Integer),
)
batches = sa.table(
    "status_entry_batches",
    sa.column("list_id", sa.Integer),
    sa.column("block", sa.Integer),
    sa.column("entries", sa.LargeBinary),
    sa.column("expires_at", sa.Integer),
)


def upgrade() -> None:
    op.create_table(
        "status_entry_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
        sa.Column("entries", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["status_lists.id"],
            name=op.f("fk_status_entry_batches_list_id_status_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_entry_batches")),
    )
    with op.batch_alter_table("status_entry_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_status_entry_batches_list_id"), ["list_id"], unique=False
        )
    connection = op.get_bind()
    by_block: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for row in connection.execute(sa.select(entries)):
        by_block[row.list_id, row.idx // BLOCK_SIZE].append(row)
    if by_block:
        connection.execute(
            batches.insert(),
            [
                {
                    "list_id": list_id,
                    "block": block,
                    "entries": _pack([[getattr(row, name) for name in ENTRY_COLUMNS] for row in rows]),
                    "expires_at": max(row.expires_at for row in rows),
                }
                for (list_id, block), rows in by_block.items()
            ],
        )
    op.drop_table("status_entries")


def downgrade() -> None:
    op.create_table(
        "status_entries",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("sid", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["status_lists.id"],
            name=op.f("fk_status_entries_list_id_status_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("list_id", "idx", name=op.f("pk_status_entries")),
    )
    connection = op.get_bind()
    unpacked: dict[tuple[int, int], dict[str, Any]] = {}
    for batch in connection.execute(sa.select(batches)):
        for values in json.loads(zlib.decompress(batch.entries)):
            entry = dict(zip(ENTRY_COLUMNS, values, strict=True))
            entry.update(list_id=batch.list_id, expires_at=batch.expires_at)
            unpacked[batch.list_id, entry["idx"]] = entry  # a flush written twice
    if unpacked:
        connection.execute(entries.insert(), list(unpacked.values()))
    op.drop_table("status_entry_batches")


def _pack(rows: list[list[Any]]) -> bytes:
    return zlib.compress(json.dumps(rows, separators=(",", ":")).encode(), 1)
