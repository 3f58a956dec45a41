"""Sample rows for whatever schema a database has, made from the reflected column types.

Every value embeds a serial number that grows across calls, so primary keys and unique
constraints hold however often the tables are filled. Foreign keys point at parent rows
inserted in the same call (``MetaData.sorted_tables`` puts parents before children). Of
each pair of rows, the first leaves every nullable column NULL and the second fills it,
so a migration has to carry both NULLs and values across. A table that refers to itself,
or a cycle of tables, is not handled: it fails with a KeyError or a warning.
"""

from __future__ import annotations

import datetime
import itertools
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Column, Connection, MetaData, Table, types

SKIPPED_TABLES = {"alembic_version"}  # alembic's bookkeeping, not data
ROWS_PER_TABLE = 2

Row = dict[str, Any]
_START = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)

# Checked in order: Boolean and Enum before Integer and String, which they resemble.
_SAMPLES: list[tuple[type[types.TypeEngine[Any]], Callable[[Column[Any], int], Any]]] = [
    (types.Boolean, lambda _column, serial: serial % 2 == 0),
    (types.Enum, lambda column, serial: column.type.enums[serial % len(column.type.enums)]),
    (types.Integer, lambda _column, serial: serial),
    (types.Numeric, lambda _column, serial: serial),
    (types.JSON, lambda _column, serial: [] if serial % 2 else {}),
    (types.String, lambda column, serial: f"{serial}-{column.name}"[: column.type.length]),
    (types.LargeBinary, lambda _column, serial: f"{serial}".encode()),
    (types.DateTime, lambda _column, serial: _START + datetime.timedelta(seconds=serial)),
    (types.Date, lambda _column, serial: _START.date() + datetime.timedelta(days=serial)),
    (types.Uuid, lambda _column, serial: uuid.UUID(int=serial)),
]


class RowMaker:
    """Fills every table of a database with ``ROWS_PER_TABLE`` new rows per call."""

    def __init__(self) -> None:
        self._serials: Iterator[int] = itertools.count(1)

    def fill_every_table(self, connection: Connection) -> None:
        metadata = MetaData()
        metadata.reflect(connection)
        inserted: dict[str, list[Row]] = {}
        for table in metadata.sorted_tables:
            if table.name in SKIPPED_TABLES:
                continue
            rows = [self._row(table, index, inserted) for index in range(ROWS_PER_TABLE)]
            connection.execute(table.insert(), rows)
            inserted[table.name] = rows

    def _row(self, table: Table, index: int, inserted: dict[str, list[Row]]) -> Row:
        serial = next(self._serials)
        leave_nulls = index == 0
        row = {
            column.name: None if leave_nulls and _nullable(column) else _sample(column, serial)
            for column in table.columns
        }
        for constraint in table.foreign_key_constraints:
            references_nothing = leave_nulls and all(_nullable(c) for c in constraint.columns)
            parent = inserted[constraint.referred_table.name][index]
            for element in constraint.elements:
                own, referred = element.parent.name, element.column.name
                row[own] = None if references_nothing else parent[referred]
        return row


def _nullable(column: Column[Any]) -> bool:
    # SQLite reports a primary key column declared without NOT NULL as nullable.
    return bool(column.nullable) and not column.primary_key


def _sample(column: Column[Any], serial: int) -> Any:
    for kind, make in _SAMPLES:
        if isinstance(column.type, kind):
            return make(column, serial)
    raise TypeError(
        f"no sample value for {column.table.name}.{column.name} ({column.type!r});"
        " add its type to _SAMPLES in tests/migrations/rows.py"
    )
