"""The relying-party SDK against a real Tessera: module-scoped servers that may send
back-channel logout to loopback receivers, send SSE heartbeats every second, and
publish status lists with the shortest ttl (10 s)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from idp.rp import Provider
from tests.rp.fake_idp import TIMEOUT, FakeIdp, fake_idp
from tests.support.databases import database_url
from tests.support.server import RunningIdp, running_idp

SETTINGS = {"outbound_allow_private": True, "ssf_heartbeat_interval": 1, "status_list_ttl": 10}


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIdp]:
    directory: Path = tmp_path_factory.mktemp("idp")
    with (
        database_url("sqlite", directory) as url,
        running_idp(url, directory, **SETTINGS) as server,
    ):
        yield server


@pytest.fixture
def provider(idp: RunningIdp) -> Iterator[Provider]:
    """The SDK on the server's issuer, keeping the server's (movable) time."""
    with Provider(idp.base_url, clock=idp.clock.now) as sdk:
        yield sdk


@pytest.fixture
def fake() -> Iterator[FakeIdp]:
    """A provider that misbehaves on purpose (tests/rp/fake_idp.py)."""
    with fake_idp() as server:
        yield server


@pytest.fixture
def sdk(fake: FakeIdp) -> Iterator[Provider]:
    """The SDK on the fake provider, with short timeouts."""
    with Provider(fake.issuer, clock=fake.clock.now, timeout=TIMEOUT) as provider:
        yield provider


@pytest.fixture(autouse=True)
def sdk_logs_no_error(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A follower loop that fails unexpectedly is logged (and restarted): a bug."""
    yield
    errors = [r for r in caplog.records if r.name == "idp.rp" and r.levelno >= logging.ERROR]
    assert not errors, [record.getMessage() for record in errors]
