from __future__ import annotations

import pytest

from tests.support.authzen import World, build_world
from tests.support.server import RunningIdp


@pytest.fixture(scope="module")
def world(idp: RunningIdp) -> World:
    return build_world(idp)
