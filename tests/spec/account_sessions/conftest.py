from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import database_url
from tests.support.server import RunningIdp, running_idp


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIdp]:
    """Allowed to send back-channel logout tokens to loopback receivers."""
    directory: Path = tmp_path_factory.mktemp("idp")
    with (
        database_url("sqlite", directory) as url,
        running_idp(url, directory, outbound_allow_private=True) as server,
    ):
        yield server
