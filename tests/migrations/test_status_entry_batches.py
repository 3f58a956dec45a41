"""Revision 0007 carries every status-list entry into batches and back, on SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from idp.store.migrate import alembic_config, upgrade
from idp.store.status_lists import unpack_entries
from tests.support.databases import database_url

ENTRIES = [  # list_id, idx, jti, sid, subject, client_id, issued_at, expires_at
    (1, 5, "j1", "s1", "alice", "app", 100, 400),
    (1, 1000, "j2", None, "bob", "app", 110, 700),
    (1, 2050, "j3", "s3", "alice", "tool", 120, 500),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    with database_url(request.param, tmp_path) as url:
        yield url


def test_entries_become_one_batch_per_block_and_come_back_on_downgrade(database):
    upgrade(database, "0006")
    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(
            text(
                'INSERT INTO status_lists (id, size, created_at, "full", last_expiry)'
                " VALUES (1, 4096, 1, false, 700)"
            )
        )
        for entry in ENTRIES:
            connection.execute(
                text(
                    "INSERT INTO status_entries VALUES"
                    " (:list_id, :idx, :jti, :sid, :subject, :client_id, :iat, :exp)"
                ),
                dict(
                    zip(
                        ["list_id", "idx", "jti", "sid", "subject", "client_id", "iat", "exp"],
                        entry,
                        strict=True,
                    )
                ),
            )
    upgrade(database)
    with engine.connect() as connection:
        batches = connection.execute(
            text("SELECT block, entries, expires_at FROM status_entry_batches ORDER BY block")
        ).all()
    assert [(block, expires_at) for block, _, expires_at in batches] == [(0, 700), (2, 500)]
    unpacked = sorted(tuple(row) for _, packed, _ in batches for row in unpack_entries(packed))
    assert unpacked == [entry[1:7] for entry in ENTRIES]

    command.downgrade(alembic_config(database), "0006")
    with engine.connect() as connection:
        back = connection.execute(text("SELECT * FROM status_entries ORDER BY idx")).all()
    engine.dispose()
    assert [tuple(row)[:7] for row in back] == [entry[:7] for entry in ENTRIES]
    assert [row.expires_at for row in back] == [700, 700, 500]  # their batch's latest
