"""Every migration step keeps every row, on SQLite and PostgreSQL.

Before each step every table gets rows made from its reflected columns; after the step
every table that still exists holds the same number of rows under the same primary keys.
The steps are read from the migration scripts, so a new revision is covered as soon as
it is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, TableClause, column, func, inspect, select, table

from idp.store.database import make_engine
from idp.store.migrate import alembic_config, upgrade
from tests.migrations.rows import SKIPPED_TABLES, RowMaker
from tests.support.databases import database_url


class TableRows(NamedTuple):
    count: int
    primary_keys: list[tuple[Any, ...]]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    with database_url(request.param, tmp_path) as url:
        yield url


def test_each_upgrade_step_keeps_every_row_of_every_table(empty_database):
    first, *later = revisions_from_first_to_head(empty_database)
    upgrade(empty_database, first)
    rows = RowMaker()
    for revision in later:
        with connected(empty_database) as connection:
            rows.fill_every_table(connection)
            keys = primary_key_columns(connection)
            before = contents(connection, keys)
        upgrade(empty_database, revision)
        with connected(empty_database) as connection:
            after = contents(connection, keys)
        kept = before.keys() & after.keys()
        assert {name: after[name] for name in kept} == {name: before[name] for name in kept}, (
            f"upgrading to {revision} lost rows"
        )


def revisions_from_first_to_head(url: str) -> list[str]:
    scripts = ScriptDirectory.from_config(alembic_config(url))
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


@contextmanager
def connected(url: str) -> Iterator[Connection]:
    """One committed transaction on the application's engine, which enforces foreign keys
    on SQLite too, so the sample rows must reference real parents."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def primary_key_columns(connection: Connection) -> dict[str, list[str]]:
    inspector = inspect(connection)
    return {
        name: inspector.get_pk_constraint(name)["constrained_columns"]
        for name in inspector.get_table_names()
        if name not in SKIPPED_TABLES
    }


def contents(connection: Connection, keys: dict[str, list[str]]) -> dict[str, TableRows]:
    """Row count and sorted primary keys of each table in ``keys`` that exists."""
    existing = set(inspect(connection).get_table_names())
    return {
        name: table_rows(connection, table(name, *(column(key) for key in key_columns)))
        for name, key_columns in keys.items()
        if name in existing
    }


def table_rows(connection: Connection, keyed: TableClause) -> TableRows:
    """A table without a primary key is compared by its row count alone."""
    count = connection.scalar(select(func.count()).select_from(keyed))
    if not keyed.c:
        return TableRows(count, [])
    primary_keys = sorted(tuple(row) for row in connection.execute(select(*keyed.c)))
    return TableRows(count, primary_keys)
