"""Fixtures of the spec folders about mailed links (magic links, password reset, the
password rules): a server that mails to a real SMTP server in the test process, on
SQLite and on PostgreSQL; the caller's address comes from X-Forwarded-For (127.0.0.1 is
a trusted proxy), so each test counts against the throttle from an address of its own.
A folder's conftest imports ``mailbox`` and ``mailing_idp`` (as ``idp``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.databases import database_url
from tests.support.mail_server import Mailbox, mail_settings, smtp_server
from tests.support.server import RunningIdp, running_idp

THROTTLE = {"throttle_free_attempts": 3, "throttle_base_delay": 5, "throttle_max_delay": 20}


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def mailing_idp(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox
) -> Iterator[RunningIdp]:
    directory = tmp_path_factory.mktemp("idp")
    with (
        database_url(request.param, directory) as url,
        running_idp(
            url,
            directory,
            trusted_proxies="127.0.0.1/32",
            magic_links=True,
            **mail_settings(mailbox),
            **THROTTLE,
        ) as server,
    ):
        yield server
