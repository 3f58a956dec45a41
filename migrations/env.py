"""Alembic environment: the URL comes from the Config (set by ``idp db upgrade``) or from
IDP_DATABASE_URL.

All pending revisions run in one transaction. On SQLite, foreign keys are off while they
run and are checked before the commit, because batch operations rebuild a table by copying
it and dropping the original, and with foreign keys on that drop cascades into every table
that refers to it. The revision before and after is left in ``Config.attributes`` for
``idp.store.migrate.upgrade``.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, Engine, NullPool, create_engine, event

from idp.config import Settings
from idp.store.migrate import UPGRADE_ATTRIBUTE, Upgrade, check_foreign_keys
from idp.store.models import Base


def migration_engine(url: str) -> Engine:
    """One connection, without the request-time timeouts of idp.store.database: a
    migration may rebuild or index big tables, and may wait for the servers' locks."""
    if not url.startswith("sqlite"):
        return create_engine(url, poolclass=NullPool)
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own BEGIN skips DDL, so a failed revision would stay half applied;
    # SQLAlchemy emits BEGIN instead (SQLAlchemy SQLite dialect docs, "Enabling
    # Non-Legacy SQLite Transactional Modes").
    dbapi_connection.isolation_level = None
    # Referring foreign keys must not be enforced during batch operations (alembic docs,
    # "Running Batch Migrations", "Dealing with Referencing Foreign Keys"). The pragma is
    # a no-op inside a transaction (sqlite.org/foreignkeys.html, section 2), so it is set
    # here, before any BEGIN.
    dbapi_connection.execute("PRAGMA foreign_keys=OFF")
    dbapi_connection.execute("PRAGMA journal_mode=WAL")  # as the servers' engine


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock up front, so concurrent upgrades wait for each other
    # (busy timeout) instead of failing on a lock upgrade (sqlite.org/lang_transaction.html).
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def run_migrations(connection: Connection) -> Upgrade:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=sqlite,
        compare_type=True,
        transactional_ddl=True,
    )
    migration = context.get_context()
    with context.begin_transaction():
        before = migration.get_current_revision()
        context.run_migrations()
        if sqlite:
            check_foreign_keys(connection)
        return Upgrade(before, migration.get_current_revision())


url = context.config.get_main_option("sqlalchemy.url") or Settings().database_url
engine = migration_engine(url)
try:
    with engine.connect() as connection:
        context.config.attributes[UPGRADE_ATTRIBUTE] = run_migrations(connection)
finally:
    engine.dispose()
