"""Engine and transactions. SQLite is the embedded default; PostgreSQL the scale path.

Every database call is bounded by ``timeout`` seconds: connecting, waiting for a pooled
connection, a statement, a lock. A database that is down or hung makes a request fail
quickly (idp.provider turns that into 503 temporarily_unavailable) instead of holding
it, and a thread, for as long as the database does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, Result, create_engine, event, exc, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from idp.config import ConfigError
from idp.errors import TemporarilyUnavailableError
from idp.store.revocations import (
    EVENT_LISTENERS,
    PENDING_EVENTS,
    drop_after_commit_actions,
    run_after_commit_actions,
)

DEFAULT_TIMEOUT = 5.0
# Down, hung past the timeout, or locked past the busy timeout: worth a retry later.
UNREACHABLE = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, exc.DisconnectionError)
log = logging.getLogger("idp.store")


def make_engine(url: str, timeout: float = DEFAULT_TIMEOUT, *, for_writing: bool = True) -> Engine:
    """``for_writing``: on SQLite, transactions take the write lock when they begin."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, timeout, for_writing)
    return _postgresql_engine(url, timeout)


def _postgresql_engine(url: str, timeout: float) -> Engine:
    from idp.store.postgresql import bounded_connection

    millis = int(timeout * 1000)
    engine = create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        pool_timeout=timeout,
        connect_args={
            "connect_timeout": max(1, int(timeout)),
            "options": f"-c statement_timeout={millis} -c lock_timeout={millis}"
            f" -c idle_in_transaction_session_timeout={millis * 6}",
        },
    )
    # The server's timeouts first; then the client's, for a server that never answers.
    connect = bounded_connection(timeout + 1)

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        return connect(*cargs, **cparams)

    return engine


def _sqlite_engine(url: str, timeout: float, for_writing: bool) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": timeout})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # The driver must not open transactions itself: SQLAlchemy's "begin" does.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # A writer takes the write lock up front: one that read first and then wants to
        # write finds the database changed under it and fails at once with "database
        # is locked", without waiting (SQLite's SQLITE_BUSY_SNAPSHOT). Up front, it
        # waits its turn for at most busy_timeout. This also puts row ids in commit
        # order. Readers (the caches' loaders) read a snapshot beside the writer (WAL).
        connection.exec_driver_sql("BEGIN IMMEDIATE" if for_writing else "BEGIN")

    return engine


# Session.info key: who hears, after the commit, that a cache version was bumped.
CACHE_LISTENERS = "cache_listeners"


class Database:
    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.engine = make_engine(url, timeout)
        self.cache_listeners: list[Callable[[str], None]] = []
        # Told, after the commit, that security events were written (idp.store.streams).
        self.event_listeners: list[Callable[[], None]] = []
        self.sessions = sessionmaker(
            self.engine,
            expire_on_commit=False,
            info={CACHE_LISTENERS: self.cache_listeners, EVENT_LISTENERS: self.event_listeners},
        )
        event.listen(self.sessions, "before_commit", _write_pending_security_events)
        event.listen(self.sessions, "after_commit", run_after_commit_actions)
        event.listen(self.sessions, "after_rollback", drop_after_commit_actions)
        # Reads that must not wait for (or, inside a write, deadlock on) the write lock.
        self.read_engine = (
            make_engine(url, timeout, for_writing=False)
            if url.startswith("sqlite")
            else self.engine
        )
        self.readers = sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits when the block ends, rolls back if it raises."""
        with unavailable_when_unreachable(), self.sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work (the caches' loaders): never takes the write lock."""
        with unavailable_when_unreachable(), self.readers.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()


def _write_pending_security_events(session: Session) -> None:
    """Session ``before_commit`` hook (idp.store.streams: events go last, in commit
    order); not at a savepoint's release."""
    if session.info.get(PENDING_EVENTS) and not session.in_nested_transaction():
        from idp.store.repository import SqlStore  # the store imports this module

        SqlStore(session).write_pending_security_events()


@contextmanager
def unavailable_when_unreachable() -> Iterator[None]:
    """Database unreachable: 503 temporarily_unavailable, not a server error."""
    try:
        yield
    except UNREACHABLE as error:
        # The driver's message, not SQLAlchemy's: that one repeats the statement's parameters.
        log.warning("database unavailable: %s", getattr(error, "orig", None) or error)
        raise TemporarilyUnavailableError(
            "the service is temporarily unavailable; try again shortly", debug=str(error)
        ) from error


def display_url(url: str) -> str:
    """The database URL as it may be shown: without its password."""
    return make_url(url).render_as_string(hide_password=True)


def check_driver(url: str) -> None:
    """PostgreSQL needs the postgres extra: say so in one line, not a traceback."""
    if url.startswith("postgresql"):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise ConfigError(
                "IDP_DATABASE_URL names PostgreSQL: install the postgres extra "
                "(pip install 'tessera-idp[postgres]')"
            ) from None


def insert_ignoring_conflicts(session: Session, model: type[Any]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING, in the dialect of ``session``'s database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing()
    return sqlite.insert(model).on_conflict_do_nothing()


def affected_rows(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE touched."""
    return int(cast(CursorResult[Any], result).rowcount)
