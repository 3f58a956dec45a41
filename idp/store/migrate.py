"""Schema migrations (alembic), applied by ``idp db upgrade`` and ``idp serve``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, NullPool, create_engine, make_url

from idp.store.database import unavailable_when_unreachable

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
# Where migrations/env.py leaves the Upgrade it performed, in Config.attributes.
UPGRADE_ATTRIBUTE = "idp.upgrade"


@dataclass(frozen=True)
class Upgrade:
    """The schema revision before and after an upgrade; None means no schema yet."""

    before: str | None
    after: str | None

    @property
    def applied(self) -> bool:
        return self.before != self.after


class DanglingForeignKeysError(RuntimeError):
    """After migrating, rows referred to rows that do not exist; nothing was committed."""


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> Upgrade:
    config = alembic_config(database_url)
    command.upgrade(config, revision)
    result = config.attributes.get(UPGRADE_ATTRIBUTE)
    if not isinstance(result, Upgrade):
        raise RuntimeError("migrations/env.py did not record the upgrade")
    return result


def current_revision(database_url: str) -> str | None:
    """The schema revision of the database; None if it has none (or, for SQLite, if its
    file does not exist: it is not created by asking)."""
    if database_url.startswith("sqlite"):
        path = make_url(database_url).database
        if path and path != ":memory:" and not Path(path).exists():
            return None
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with unavailable_when_unreachable(), engine.connect() as connection:
            revision: str | None = MigrationContext.configure(connection).get_current_revision()
            return revision
    finally:
        engine.dispose()


def check_foreign_keys(connection: Connection) -> None:
    """Raises unless every foreign key on this SQLite connection points at a row. Run before
    committing a migration that ran with foreign keys off (sqlite.org/lang_altertable.html,
    "Making Other Kinds Of Table Schema Changes", step 10)."""
    dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if not dangling:
        return
    # Each row is (table, rowid, referred table, foreign key id): sqlite.org/pragma.html.
    counts = Counter(f"{table} -> {referred}" for table, _rowid, referred, _fk in dangling)
    summary = ", ".join(f"{count} in {pair}" for pair, count in sorted(counts.items()))
    raise DanglingForeignKeysError(
        f"upgrade rolled back: {len(dangling)} foreign key references would point at"
        f" missing rows ({summary})"
    )
