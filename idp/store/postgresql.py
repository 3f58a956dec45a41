"""PostgreSQL connections whose every wait is bounded on the client side too.

``statement_timeout`` and ``lock_timeout`` bound what the server does; they cannot bound
a server that never receives the statement (a hung host, a stopped proxy): psycopg would
wait for the answer for ever. Imported only when the database is PostgreSQL, so the
embedded default needs no driver."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus


def bounded_connection(bound: float) -> Callable[..., psycopg.Connection[Any]]:
    """A connect function (SQLAlchemy's ``do_connect``) whose connections give up
    waiting for the server after ``bound`` seconds, and are then closed."""

    class BoundedConnection(psycopg.Connection[Any]):
        def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
            if timeout is not None:
                return super().wait(gen, interval, timeout)
            try:
                return super().wait(gen, interval, bound)
            except psycopg.OperationalError:
                if self.pgconn.transaction_status == TransactionStatus.ACTIVE:
                    # No answer in time: where the protocol stands is unknown, so the
                    # connection goes (SQLAlchemy then discards it from the pool).
                    self.pgconn.finish()
                raise

    return BoundedConnection.connect
