"""On SQLite, migrations run with foreign keys off, so before committing they check that
every reference still points at a row; if one does not, nothing of the upgrade is kept."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from idp.store.migrate import DanglingForeignKeysError, upgrade


def test_an_upgrade_that_would_leave_dangling_references_is_rolled_back(tmp_path):
    path = tmp_path / "tessera.db"
    url = f"sqlite:///{path}"
    upgrade(url, "0001")
    # sqlite3 leaves foreign keys off, so this consent may refer to no user and no client.
    run_sql(path, "INSERT INTO consents VALUES ('no-user', 'no-client', 'openid', 1)")
    with pytest.raises(DanglingForeignKeysError) as raised:
        upgrade(url)
    assert str(raised.value) == (
        "upgrade rolled back: 2 foreign key references would point at missing rows"
        " (1 in consents -> clients, 1 in consents -> users)"
    )
    assert rows(path, "SELECT version_num FROM alembic_version") == [("0001",)]
    assert rows(path, "SELECT name FROM sqlite_master WHERE name = 'cache_versions'") == []
    assert rows(path, "SELECT user_id FROM consents") == [("no-user",)]


def run_sql(path, statement):
    with closing(sqlite3.connect(path)) as connection:
        connection.execute(statement)
        connection.commit()


def rows(path, query):
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(query).fetchall()
