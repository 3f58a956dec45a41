"""0015 (the policy store): the upgrade adds two empty tables and keeps every row of
every other table; with rows in every table, including the new ones, the downgrade
keeps every row of the tables that stay, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from idp.store.migrate import alembic_config, upgrade
from tests.migrations.rows import SKIPPED_TABLES, RowMaker
from tests.support.databases import database_url

NEW_TABLES = {"policy_versions", "policy_sources"}


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    with database_url(request.param, tmp_path) as url:
        yield url


def row_counts(database: str) -> dict[str, int]:
    engine = create_engine(database)
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names()) - SKIPPED_TABLES
        counts = {
            name: int(connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one())
            for name in sorted(tables)
        }
    engine.dispose()
    return counts


def fill_every_table(database: str) -> None:
    engine = create_engine(database)
    with engine.begin() as connection:
        RowMaker().fill_every_table(connection)
    engine.dispose()


def test_the_upgrade_adds_empty_tables_and_keeps_every_row(database):
    upgrade(database, "0013")
    fill_every_table(database)
    before = row_counts(database)
    upgrade(database, "0015")
    after = row_counts(database)
    assert set(after) - set(before) == NEW_TABLES
    assert {name: after[name] for name in before} == before
    assert {name: after[name] for name in NEW_TABLES} == dict.fromkeys(NEW_TABLES, 0)


def test_the_downgrade_keeps_every_row_of_the_tables_that_stay(database):
    upgrade(database, "0015")
    fill_every_table(database)
    before = row_counts(database)
    assert all(before[name] > 0 for name in NEW_TABLES)
    command.downgrade(alembic_config(database), "0013")
    after = row_counts(database)
    assert set(before) - set(after) == NEW_TABLES
    assert after == {name: count for name, count in before.items() if name not in NEW_TABLES}
