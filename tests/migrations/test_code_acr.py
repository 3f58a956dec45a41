"""0013 (the acr of an authorization code): codes issued before keep every column and
have no acr of their own (their tokens say the session's), and the downgrade keeps
them, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from idp.store.migrate import alembic_config, upgrade
from tests.migrations.rows import RowMaker
from tests.support.databases import database_url

CODES = "SELECT code_digest, client_id, user_id, sid FROM authorization_codes ORDER BY 1"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    with database_url(request.param, tmp_path) as url:
        yield url


def codes_in(database: str, query: str = CODES) -> list[tuple]:
    engine = create_engine(database)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(query))]
    engine.dispose()
    return rows


def test_codes_from_before_keep_the_session_acr(database):
    upgrade(database, "0012")
    engine = create_engine(database)
    with engine.begin() as connection:
        RowMaker().fill_every_table(connection)
    engine.dispose()
    before = codes_in(database)
    upgrade(database, "0013")
    assert len(before) == 2
    assert codes_in(database) == before
    assert codes_in(database, "SELECT acr FROM authorization_codes") == [(None,), (None,)]


def test_downgrade_keeps_the_codes(database):
    upgrade(database, "0013")
    engine = create_engine(database)
    with engine.begin() as connection:
        RowMaker().fill_every_table(connection)
    engine.dispose()
    before = codes_in(database)
    command.downgrade(alembic_config(database), "0012")
    assert codes_in(database) == before
