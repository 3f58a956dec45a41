"""Whether an origin may read an answer depends on the client's registration, not on
what a node happens to hold in its client cache at that instant: while other clients
are being registered (each registration makes every node drop its cached clients),
every answer to the client's own origin must still carry Access-Control-Allow-Origin."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from tests.spec.cors.cors import SPA_ORIGIN, code_for, from_origin, spa_client
from tests.support.client_requests import post_form
from tests.support.databases import database_url
from tests.support.flows import register
from tests.support.server import RunningIdp, running_idp

REQUESTS = 200


@pytest.fixture(scope="module")
def idp(tmp_path_factory) -> Iterator[RunningIdp]:
    """A node that notices registrations quickly (the default is every second)."""
    directory = tmp_path_factory.mktemp("idp")
    with (
        database_url("sqlite", directory) as url,
        running_idp(url, directory, cache_poll_interval=0.02) as server,
    ):
        yield server


@pytest.fixture
def registrations_meanwhile(idp) -> Iterator[None]:
    """Another client registered every few milliseconds until the test ends."""
    stop = threading.Event()

    def register_clients() -> None:
        while not stop.wait(0.005):
            register(idp, name="another app")

    thread = threading.Thread(target=register_clients, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


def test_every_answer_is_readable_while_other_clients_are_registered__fetch_cors_protocol(
    idp, registrations_meanwhile
):
    client = spa_client(idp)
    data = {**code_for(idp, client), "code": "not-a-code"}
    unreadable = 0
    with httpx.Client(base_url=idp.base_url, timeout=10) as http:
        for _ in range(REQUESTS):
            response = post_form(idp, "/token", data, headers=from_origin(SPA_ORIGIN), http=http)
            assert response.json()["error"] == "invalid_grant", response.text
            if response.headers.get("access-control-allow-origin") != SPA_ORIGIN:
                unreadable += 1
    assert unreadable == 0, f"{unreadable} of {REQUESTS} answers had no CORS headers"
