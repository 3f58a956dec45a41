from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import database_url
from tests.support.server import RunningIdp, running_idp

# Small budgets and short waits, so that a test sees the whole ladder in seconds.
THROTTLE = {
    "throttle_free_attempts": 2,
    "throttle_account_free_attempts": 4,
    "throttle_address_free_attempts": 6,
    "throttle_base_delay": 1,
    "throttle_max_delay": 4,
}


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIdp]:
    directory: Path = tmp_path_factory.mktemp("idp")
    with (
        database_url("sqlite", directory) as url,
        running_idp(url, directory, **THROTTLE) as server,
    ):
        yield server
