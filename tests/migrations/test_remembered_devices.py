"""0011 (remembered devices): a new, empty table; users and their second factors from
before are kept, on SQLite and PostgreSQL; the downgrade drops the devices only."""

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
TOTP = "INSERT INTO totp_credentials (user_id, sealed_secret, created_at) VALUES ('u1', :s, 1)"
DEVICE = (
    "INSERT INTO remembered_devices (user_id, device_digest, user_agent, networks,"
    " created_at, last_used_at, expires_at) VALUES ('u1', 'd1', 'Firefox', '[\"192.0.2.0/24\"]',"
    " 1, 1, 99)"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    with database_url(request.param, tmp_path) as url:
        yield url


def test_upgrade_keeps_users_and_their_app_and_remembers_no_device(database):
    upgrade(database, "0010")
    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(text(USER))
        connection.execute(text(TOTP), {"s": b"sealed"})
    upgrade(database, "0011")
    with engine.connect() as connection:
        users = connection.execute(text("SELECT username FROM users")).scalars().all()
        totp = connection.execute(text("SELECT count(*) FROM totp_credentials")).scalar()
        devices = connection.execute(text("SELECT count(*) FROM remembered_devices")).scalar()
    engine.dispose()
    assert (users, totp, devices) == (["ada"], 1, 0)


def test_downgrade_forgets_the_devices_and_keeps_the_rest(database):
    upgrade(database, "0011")
    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(text(USER))
        connection.execute(text(TOTP), {"s": b"sealed"})
        connection.execute(text(DEVICE))
    command.downgrade(alembic_config(database), "0010")
    with engine.connect() as connection:
        users = connection.execute(text("SELECT username FROM users")).scalars().all()
        totp = connection.execute(text("SELECT count(*) FROM totp_credentials")).scalar()
    engine.dispose()
    assert (users, totp) == (["ada"], 1)
