"""The admin API (RFC 9457 problems, RFC 6750 bearer tokens) on each backend, called by
a service client with the admin.authz scope."""

from __future__ import annotations

import uuid

import pytest

from tests.support.admin_api import Admin, admin
from tests.support.server import RunningIdp


@pytest.fixture(scope="module")
def idp(idp_on_each_backend: RunningIdp) -> RunningIdp:
    return idp_on_each_backend


@pytest.fixture(scope="module")
def caller(idp: RunningIdp) -> Admin:
    return admin(idp)


@pytest.fixture
def name() -> str:
    """A fresh name for a role or group (the server is shared by a module's tests)."""
    return f"n-{uuid.uuid4().hex[:10]}"
