"""0009 (passkeys): users from before keep working as they did (no passkey), on SQLite
and PostgreSQL; the downgrade keeps them too."""

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
PASSKEY = (
    "INSERT INTO passkeys (credential_id, user_id, public_key, sign_count, transports, name,"
    " synced, created_at) VALUES ('cred', 'u1', :key, 0, '[]', 'Laptop', false, 1)"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    with database_url(request.param, tmp_path) as url:
        yield url


def test_existing_users_have_no_passkey(database):
    upgrade(database, "0008")
    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(text(USER))
    upgrade(database, "0009")
    with engine.connect() as connection:
        users = connection.execute(text("SELECT username FROM users")).scalars().all()
        passkeys = connection.execute(text("SELECT count(*) FROM passkeys")).scalar()
        challenges = connection.execute(text("SELECT count(*) FROM webauthn_challenges")).scalar()
    engine.dispose()
    assert users == ["ada"]
    assert passkeys == challenges == 0


def test_a_users_passkeys_go_with_the_user_and_the_downgrade_keeps_users(database):
    upgrade(database, "0009")
    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(text(USER))
        connection.execute(text(PASSKEY), {"key": b"cose"})
    command.downgrade(alembic_config(database), "0008")
    with engine.connect() as connection:
        users = connection.execute(text("SELECT username FROM users")).scalars().all()
    engine.dispose()
    assert users == ["ada"]
