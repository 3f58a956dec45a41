"""Clients held in memory, so the token endpoint's hot path never reads the database.

Registration changes bump a version counter in the database (same transaction). The
node's cache refresher (``refresh``, off the event loop) reads that counter every
IDP_CACHE_POLL_INTERVAL seconds and drops its copies when it moved, so a change made
on any node reaches all of them within the interval. A copy is trusted only while the
counter has been read within ``max_staleness`` seconds; after that, clients are read
from the database again (which, if it is down, answers 503).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from idp.lru import Lru
from idp.oauth.clients import Client

MAX_ENTRIES = 10_000


class ClientCache:
    def __init__(
        self,
        load_client: Callable[[str], Client | None],
        load_version: Callable[[], int],
        max_staleness: float,
    ) -> None:
        self._load_client = load_client
        self._load_version = load_version
        self._max_staleness = max_staleness
        # A 1-tuple, so that "no such client" can be remembered too.
        self._clients: Lru[str, tuple[Client | None]] = Lru(MAX_ENTRIES)
        self._version: int | None = None
        self._refreshed_at: float | None = None

    def holds(self, client_id: str) -> bool:
        """Whether ``load_client`` can answer from memory, without the database."""
        return self._fresh() and client_id in self._clients

    def load_client(self, client_id: str) -> Client | None:
        """From memory when it holds the client; else from the database (so only off the
        event loop unless ``holds`` said yes)."""
        if self._fresh():
            entry = self._clients.get(client_id)
            if entry is not None:
                return entry[0]
        version = self._version
        client = self._load_client(client_id)
        if version == self._version:  # else a refresh dropped what this read may predate
            self._clients.put(client_id, (client,))
        return client

    def version(self) -> int:
        """The registration counter, from memory while fresh, else read again (touching
        storage): what moves whenever a client changes."""
        if self._version is not None and self._fresh():
            return self._version
        return self.refresh()

    def refresh(self) -> int:
        version = self._load_version()
        if version != self._version:
            # The version first: a read that began before it must not store its copy.
            self._version = version
            self._clients.clear()
        self._refreshed_at = time.monotonic()
        return version

    def _fresh(self) -> bool:
        refreshed_at = self._refreshed_at
        return refreshed_at is not None and time.monotonic() - refreshed_at <= self._max_staleness
