from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.authorization import browser, user
from tests.support.databases import database_url
from tests.support.server import RunningIdp, running_idp

__all__ = ["browser", "user"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def idp(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningIdp]:
    directory: Path = tmp_path_factory.mktemp("idp")
    with database_url(request.param, directory) as url, running_idp(url, directory) as server:
        yield server
