"""0010 (mail links): a new table only; users from before keep working, and the
downgrade drops the links and keeps the users, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from idp.store.migrate import alembic_config, upgrade
from tests.support.databases import database_url

USER = (
    "INSERT INTO users (id, username, email, email_verified, disabled, created_at, updated_at,"
    " mfa_required) VALUES ('u1', 'ada', 'ada@example.com', true, false, 1, 1, false)"
)
LINK = (
    "INSERT INTO mail_links (token_digest, purpose, user_id, created_at, expires_at)"
    " VALUES ('d1', 'password_reset', 'u1', 1, 2)"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    with database_url(request.param, tmp_path) as url:
        yield url


def test_existing_users_are_kept_and_have_no_links(database):
    upgrade(database, "0009")
    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(text(USER))
    upgrade(database, "0010")
    with engine.connect() as connection:
        user = connection.execute(text("SELECT username, email FROM users")).one()
        links = connection.execute(text("SELECT count(*) FROM mail_links")).scalar()
    engine.dispose()
    assert (user.username, user.email) == ("ada", "ada@example.com")
    assert links == 0


def test_a_deleted_user_takes_their_links_along(database):
    upgrade(database, "0010")
    engine = create_engine(database)
    with engine.begin() as connection:
        if database.startswith("sqlite"):
            connection.execute(text("PRAGMA foreign_keys=ON"))
        connection.execute(text(USER))
        connection.execute(text(LINK))
        connection.execute(text("DELETE FROM users WHERE id = 'u1'"))
        links = connection.execute(text("SELECT count(*) FROM mail_links")).scalar()
    engine.dispose()
    assert links == 0


def test_downgrade_keeps_users(database):
    upgrade(database, "0010")
    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(text(USER))
        connection.execute(text(LINK))
    command.downgrade(alembic_config(database), "0009")
    with engine.connect() as connection:
        user = connection.execute(text("SELECT username FROM users")).one()
    engine.dispose()
    assert user.username == "ada"
