"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL,
and upgrading a database that holds data keeps the data."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from idp.store.migrate import upgrade
from idp.store.models import Base
from tests.support.databases import database_url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    with database_url(request.param, tmp_path) as url:
        yield url


def test_migrations_match_the_models(empty_database):
    upgrade(empty_database)
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_twice_keeps_existing_rows(empty_database):
    upgrade(empty_database)
    engine = create_engine(empty_database)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, username, email_verified, disabled, created_at,"
                " updated_at) VALUES ('u1', 'kept', false, false, 1, 1)"
            )
        )
    upgrade(empty_database)
    with engine.connect() as connection:
        names = connection.execute(text("SELECT username FROM users")).scalars().all()
    engine.dispose()
    assert names == ["kept"]


def test_upgrade_from_the_first_revision_keeps_clients_and_tokens(empty_database):
    upgrade(empty_database, "0001")
    engine = create_engine(empty_database)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO clients (client_id, name, token_endpoint_auth_method,"
                " redirect_uris, grant_types, scope, first_party, id_token_signed_response_alg,"
                " created_at) VALUES ('c1', 'old app', 'none', '[\"https://a.example/cb\"]',"
                " '[\"authorization_code\"]', 'openid', false, 'RS256', 1)"
            )
        )
    upgrade(empty_database)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT name, require_par, may_impersonate, resources FROM clients")
        ).one()
        versions = connection.execute(text("SELECT name FROM cache_versions")).scalars().all()
    engine.dispose()
    assert row.name == "old app"
    assert not row.require_par
    assert not row.may_impersonate
    assert row.resources in ([], "[]")
    assert sorted(versions) == ["clients", "keys"]
