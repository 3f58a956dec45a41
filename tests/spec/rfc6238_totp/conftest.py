from __future__ import annotations

import pytest

from tests.support.authorization import browser, user
from tests.support.relying_party import App, web_app
from tests.support.second_factor import Enrolled, enrol

__all__ = ["browser", "user"]


@pytest.fixture
def app(idp) -> App:
    """A confidential first-party web app: no consent page in the way."""
    return web_app(idp, first_party=True)


@pytest.fixture
def enrolled(idp, user) -> Enrolled:
    return enrol(idp, user)
