from __future__ import annotations

import pytest

from tests.support.authorization import browser, user
from tests.support.server import RunningIdp

__all__ = ["browser", "user"]


@pytest.fixture(scope="module")
def idp(idp_on_each_backend: RunningIdp) -> RunningIdp:
    """The code's acr column is new: every test here runs on SQLite and PostgreSQL."""
    return idp_on_each_backend
