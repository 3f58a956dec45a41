from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import database_url
from tests.support.server import RunningIdp, running_idp


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIdp]:
    """A Tessera server on SQLite, shared by the tests of one module."""
    directory: Path = tmp_path_factory.mktemp("idp")
    with database_url("sqlite", directory) as url, running_idp(url, directory) as server:
        yield server


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def idp_on_each_backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningIdp]:
    """The same server on SQLite and on PostgreSQL (real connection)."""
    directory: Path = tmp_path_factory.mktemp("idp")
    with database_url(request.param, directory) as url, running_idp(url, directory) as server:
        yield server
