from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import database_url
from tests.support.server import RunningIdp, running_idp

REMEMBER_DAYS = 30
# The test process is the reverse proxy: each browser says where it is in
# X-Forwarded-For (IDP_TRUSTED_PROXIES), so sign-ins come from networks of its choosing.
PROXY = "127.0.0.1/32"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def idp(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningIdp]:
    directory: Path = tmp_path_factory.mktemp("idp")
    with (
        database_url(request.param, directory) as url,
        running_idp(
            url, directory, remember_device_days=REMEMBER_DAYS, trusted_proxies=PROXY
        ) as server,
    ):
        yield server
