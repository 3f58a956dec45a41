from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.cli.processes import idp_env, run_idp


def query(directory: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows from the SQLite database the CLI wrote, read with the stdlib driver."""
    with closing(sqlite3.connect(directory / "t.db")) as connection:
        return connection.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def cli_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory whose database `idp db upgrade` has brought to the newest schema."""
    directory = tmp_path_factory.mktemp("cli")
    result = run_idp(idp_env(directory), "db", "upgrade")
    assert result.returncode == 0, result.stderr
    return directory


@pytest.fixture(scope="module")
def env(cli_dir: Path) -> dict[str, str]:
    return idp_env(cli_dir)
