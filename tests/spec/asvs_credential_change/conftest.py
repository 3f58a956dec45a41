from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cli.processes import idp_env
from tests.spec.asvs_credential_change.holdings import CACHE_POLL_INTERVAL, Deployment
from tests.support.databases import database_url
from tests.support.server import running_idp


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """A server, and the ``idp`` command on the same database and instance secret."""
    directory = tmp_path_factory.mktemp("deployment")
    with (
        database_url(request.param, directory) as url,
        running_idp(url, directory, cache_poll_interval=CACHE_POLL_INTERVAL) as idp,
    ):
        yield Deployment(idp, idp_env(directory, IDP_DATABASE_URL=url, IDP_ISSUER=idp.base_url))
