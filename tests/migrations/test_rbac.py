"""0012 (role-based access control): users and clients from before keep working as they
did (nobody holds a role, no client maps claims), on SQLite and PostgreSQL; the new
tables take their rows, cascade with users and clients, and the downgrade keeps users
and clients."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from idp.store.migrate import alembic_config, upgrade
from tests.support.databases import database_url

USER = (
    "INSERT INTO users (id, username, email_verified, disabled, created_at, updated_at)"
    " VALUES ('u1', 'ada', false, false, 1, 1)"
)
CLIENT = (
    "INSERT INTO clients (client_id, name, token_endpoint_auth_method, redirect_uris,"
    " grant_types, scope, first_party, id_token_signed_response_alg, created_at)"
    " VALUES ('c1', 'old app', 'none', '[]', '[\"authorization_code\"]', 'openid', false,"
    " 'RS256', 1)"
)
MODEL = [
    "INSERT INTO roles (ref, name, client_id, created_at) VALUES ('editor', 'editor', NULL, 1)",
    "INSERT INTO roles (ref, name, client_id, created_at) VALUES ('c1/owner', 'owner', 'c1', 1)",
    "INSERT INTO role_composites (role, includes) VALUES ('c1/owner', 'editor')",
    "INSERT INTO role_permissions (role, permission) VALUES ('editor', 'document:write')",
    "INSERT INTO authz_groups (name, created_at) VALUES ('staff', 1)",
    "INSERT INTO authz_groups (name, created_at) VALUES ('writers', 1)",
    "INSERT INTO group_parents (group_name, parent) VALUES ('writers', 'staff')",
    "INSERT INTO group_roles (group_name, role) VALUES ('writers', 'editor')",
    "INSERT INTO group_members (group_name, user_id) VALUES ('writers', 'u1')",
    "INSERT INTO user_roles (user_id, role) VALUES ('u1', 'c1/owner')",
    "INSERT INTO user_attributes (user_id, name, kind, value)"
    " VALUES ('u1', 'level', 'number', '2')",
    "INSERT INTO authz_changes (created_at, actor, action, target, detail)"
    " VALUES (1, 'operator', 'role.create', 'editor', '{}')",
]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    with database_url(request.param, tmp_path) as url:
        yield url


def count(connection, table: str) -> int:
    return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar())


def test_existing_users_and_clients_hold_nothing_and_map_nothing(database):
    upgrade(database, "0011")
    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(text(USER))
        connection.execute(text(CLIENT))
    upgrade(database, "0012")
    with engine.connect() as connection:
        client = connection.execute(text("SELECT name, claim_mapping FROM clients")).one()
        held = count(connection, "user_roles") + count(connection, "group_members")
    engine.dispose()
    assert (client.name, client.claim_mapping) == ("old app", None)
    assert held == 0


def test_rows_cascade_with_their_user_and_client(database):
    upgrade(database, "0012")
    engine = create_engine(database)
    with engine.begin() as connection:
        if database.startswith("sqlite"):
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.execute(text(USER))
        connection.execute(text(CLIENT))
        for statement in MODEL:
            connection.execute(text(statement))
    with engine.begin() as connection:
        if database.startswith("sqlite"):
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.execute(text("DELETE FROM clients WHERE client_id = 'c1'"))
        connection.execute(text("DELETE FROM users WHERE id = 'u1'"))
    with engine.connect() as connection:
        roles = connection.execute(text("SELECT ref FROM roles")).scalars().all()
        left = {
            table: count(connection, table)
            for table in ("role_composites", "user_roles", "group_members", "user_attributes")
        }
        kept = {table: count(connection, table) for table in ("group_roles", "group_parents")}
    engine.dispose()
    assert roles == ["editor"]
    assert left == dict.fromkeys(left, 0)
    assert kept == {"group_roles": 1, "group_parents": 1}


def test_downgrade_keeps_users_and_clients(database):
    upgrade(database, "0012")
    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(text(USER))
        connection.execute(text(CLIENT))
        for statement in MODEL:
            connection.execute(text(statement))
    command.downgrade(alembic_config(database), "0011")
    with engine.connect() as connection:
        users = connection.execute(text("SELECT username FROM users")).scalars().all()
        clients = connection.execute(text("SELECT name FROM clients")).scalars().all()
    engine.dispose()
    assert (users, clients) == (["ada"], ["old app"])
