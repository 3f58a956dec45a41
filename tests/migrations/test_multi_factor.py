"""0008 (multi-factor authentication): users and clients from before keep working as
they did (no second factor required of anyone, none enrolled), on SQLite and PostgreSQL;
the downgrade keeps them too."""

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


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    with database_url(request.param, tmp_path) as url:
        yield url


def test_existing_users_and_clients_require_no_second_factor(database):
    upgrade(database, "0007")
    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(text(USER))
        connection.execute(text(CLIENT))
    upgrade(database, "0008")
    with engine.connect() as connection:
        user = connection.execute(text("SELECT username, mfa_required FROM users")).one()
        client = connection.execute(text("SELECT name, require_mfa FROM clients")).one()
        totp = connection.execute(text("SELECT count(*) FROM totp_credentials")).scalar()
        codes = connection.execute(text("SELECT count(*) FROM recovery_codes")).scalar()
    engine.dispose()
    assert (user.username, bool(user.mfa_required)) == ("ada", False)
    assert (client.name, bool(client.require_mfa)) == ("old app", False)
    assert totp == codes == 0


def test_downgrade_keeps_users_and_clients(database):
    upgrade(database, "0008")
    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(text(USER))
        connection.execute(text(CLIENT))
        connection.execute(
            text(
                "INSERT INTO totp_credentials (user_id, sealed_secret, created_at)"
                " VALUES ('u1', :secret, 1)"
            ),
            {"secret": b"sealed"},
        )
    command.downgrade(alembic_config(database), "0007")
    with engine.connect() as connection:
        users = connection.execute(text("SELECT username FROM users")).scalars().all()
        clients = connection.execute(text("SELECT name FROM clients")).scalars().all()
    engine.dispose()
    assert (users, clients) == (["ada"], ["old app"])
