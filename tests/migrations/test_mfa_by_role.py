"""0014 (a second factor required by a role or a group): roles and groups from before
keep every column and require nothing new, and the downgrade keeps them, on SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from idp.store.migrate import alembic_config, upgrade
from tests.migrations.rows import RowMaker
from tests.support.databases import database_url

ROLES = "SELECT ref, name, client_id, description, created_at FROM roles ORDER BY 1"
GROUPS = "SELECT name, description, created_at FROM authz_groups ORDER BY 1"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    with database_url(request.param, tmp_path) as url:
        yield url


def rows_in(database: str, query: str) -> list[tuple]:
    engine = create_engine(database)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(query))]
    engine.dispose()
    return rows


def filled_at(database: str, revision: str) -> dict[str, list[tuple]]:
    upgrade(database, revision)
    engine = create_engine(database)
    with engine.begin() as connection:
        RowMaker().fill_every_table(connection)
    engine.dispose()
    return {query: rows_in(database, query) for query in (ROLES, GROUPS)}


def test_roles_and_groups_from_before_require_no_second_factor(database):
    before = filled_at(database, "0013")
    upgrade(database, "0014")
    assert all(len(rows) == 2 for rows in before.values())
    assert {query: rows_in(database, query) for query in before} == before
    for table in ("roles", "authz_groups"):
        flags = rows_in(database, f"SELECT mfa_required FROM {table}")
        assert flags == [(False,), (False,)]


def test_downgrade_keeps_the_roles_and_groups(database):
    before = filled_at(database, "0014")
    command.downgrade(alembic_config(database), "0013")
    assert {query: rows_in(database, query) for query in before} == before
