"""idp.oauth.client_cache: clients held in memory while the registration version counter
has been read recently; a new version drops them, and a copy read from the database
while a refresh moved the version is not kept (it may predate the change)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

import idp.oauth.client_cache as client_cache_module
from idp.lru import Lru
from idp.oauth.client_cache import ClientCache
from idp.oauth.clients import AuthMethod, Client

MAX_STALENESS = 300.0


def client(client_id: str, name: str = "App") -> Client:
    return Client(
        client_id=client_id,
        name=name,
        token_endpoint_auth_method=AuthMethod.CLIENT_SECRET_BASIC,
        redirect_uris=("https://app.example/cb",),
    )


class FakeDatabase:
    """Registered clients and the version counter; counts the client reads."""

    def __init__(self) -> None:
        self.clients = {"app": client("app")}
        self.version = 1
        self.reads: list[str] = []
        self.during_read = lambda: None

    def load_client(self, client_id: str) -> Client | None:
        self.reads.append(client_id)
        found = self.clients.get(client_id)
        self.during_read()
        return found

    def load_version(self) -> int:
        return self.version

    def change(self, registered: Client) -> None:
        self.clients[registered.client_id] = registered
        self.version += 1


class FakeMonotonic:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def monotonic(monkeypatch: pytest.MonkeyPatch) -> FakeMonotonic:
    clock = FakeMonotonic()
    monkeypatch.setattr(client_cache_module, "time", SimpleNamespace(monotonic=clock))
    return clock


@pytest.fixture
def database() -> FakeDatabase:
    return FakeDatabase()


@pytest.fixture
def cache(database: FakeDatabase, monotonic: FakeMonotonic) -> ClientCache:
    return ClientCache(database.load_client, database.load_version, MAX_STALENESS)


def test_before_the_first_refresh_it_holds_nothing_and_reads_every_time(cache, database):
    assert not cache.holds("app")
    assert cache.load_client("app") == client("app")
    assert not cache.holds("app")  # not fresh: the version has never been read
    cache.load_client("app")
    assert database.reads == ["app", "app"]


def test_once_fresh_a_loaded_client_is_held_and_read_once(cache, database):
    cache.refresh()
    assert not cache.holds("app")  # fresh, but not loaded yet
    assert cache.load_client("app") == client("app")
    assert cache.holds("app")
    assert cache.load_client("app") == client("app")
    assert database.reads == ["app"]


def test_an_unknown_client_is_remembered_as_unknown(cache, database):
    cache.refresh()
    assert cache.load_client("nobody") is None
    assert cache.holds("nobody")
    assert cache.load_client("nobody") is None
    assert database.reads == ["nobody"]


def test_other_clients_are_not_held(cache):
    cache.refresh()
    cache.load_client("app")
    assert not cache.holds("other")


def test_a_refresh_with_the_same_version_keeps_the_clients(cache, database):
    cache.refresh()
    cache.load_client("app")
    cache.refresh()
    assert cache.holds("app")
    cache.load_client("app")
    assert database.reads == ["app"]


def test_a_refresh_with_a_new_version_drops_the_clients(cache, database):
    cache.refresh()
    cache.load_client("app")
    database.change(client("app", name="Renamed"))
    cache.refresh()
    assert not cache.holds("app")
    assert cache.load_client("app").name == "Renamed"
    assert database.reads == ["app", "app"]


def test_a_new_version_also_drops_what_was_remembered_as_unknown(cache, database):
    cache.refresh()
    assert cache.load_client("new") is None
    database.change(client("new"))
    cache.refresh()
    assert cache.load_client("new") == client("new")


def test_a_read_during_which_the_version_moved_is_not_kept(cache, database):
    cache.refresh()

    def registration_changes_and_is_noticed() -> None:
        database.during_read = lambda: None
        database.change(client("app", name="Renamed"))
        cache.refresh()

    database.during_read = registration_changes_and_is_noticed
    assert cache.load_client("app").name == "App"  # what the read saw
    assert not cache.holds("app")  # ...but it may predate the change, so it is not kept
    assert cache.load_client("app").name == "Renamed"
    assert cache.holds("app")


def test_a_read_racing_a_refresh_in_another_thread_is_not_kept(cache, database):
    """The same race with the refresher's thread, interleaved at the worst moment: the
    read in a request's thread finishes after the refresh has dropped the clients but
    before the refresh has recorded the new version."""
    cache.refresh()
    read_started, cleared, read_done = threading.Event(), threading.Event(), threading.Event()

    class ClearThenLetTheReadFinish(Lru[str, tuple[Client | None]]):
        def clear(self) -> None:
            super().clear()
            cleared.set()  # the read may finish now...
            read_done.wait(timeout=2)  # ...and does, before this refresh goes on

    cache._clients = ClearThenLetTheReadFinish(100)

    def slow_read() -> None:
        read_started.set()
        cleared.wait(timeout=10)

    def request() -> None:
        try:
            cache.load_client("app")
        finally:
            read_done.set()

    database.during_read = slow_read
    reader = threading.Thread(target=request)
    reader.start()
    assert read_started.wait(timeout=10)
    database.change(client("app", name="Renamed"))
    cache.refresh()  # the refresher's thread
    reader.join(timeout=10)
    assert not reader.is_alive()
    database.during_read = lambda: None
    assert cache.load_client("app").name == "Renamed", "a copy older than the change is kept"


def test_fresh_up_to_max_staleness_after_the_last_refresh(cache, database, monotonic):
    cache.refresh()
    cache.load_client("app")
    monotonic.value += MAX_STALENESS
    assert cache.holds("app")
    cache.load_client("app")
    assert database.reads == ["app"]


def test_stale_beyond_max_staleness_goes_to_the_database_again(cache, database, monotonic):
    cache.refresh()
    cache.load_client("app")
    monotonic.value += MAX_STALENESS + 0.001
    assert not cache.holds("app")
    database.clients["app"] = client("app", name="Changed unseen")
    assert cache.load_client("app").name == "Changed unseen"
    assert database.reads == ["app", "app"]


def test_a_refresh_after_staleness_makes_it_fresh_again(cache, database, monotonic):
    cache.refresh()
    cache.load_client("app")
    monotonic.value += MAX_STALENESS + 1
    cache.refresh()
    assert cache.holds("app")
