"""Clients held in memory, so the token endpoint's hot path never reads the database.

Registration changes bump a version counter in the database (same transaction); each
node polls that counter at most once per ``poll_interval`` seconds and drops its copy
when it moved, so a change made on any node reaches all of them within the interval.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from idp.oauth.clients import Client

MAX_ENTRIES = 10_000


class ClientCache:
    def __init__(
        self,
        load_client: Callable[[str], Client | None],
        load_version: Callable[[], int],
        poll_interval: float,
    ) -> None:
        self._load_client = load_client
        self._load_version = load_version
        self._poll_interval = poll_interval
        self._lock = threading.Lock()
        self._clients: dict[str, Client | None] = {}
        self._version: int | None = None
        self._polled_at = float("-inf")

    def load_client(self, client_id: str) -> Client | None:
        self._drop_if_stale()
        try:
            return self._clients[client_id]
        except KeyError:
            pass
        client = self._load_client(client_id)
        with self._lock:
            if len(self._clients) >= MAX_ENTRIES:
                self._clients.clear()
            self._clients[client_id] = client
        return client

    def _drop_if_stale(self) -> None:
        if time.monotonic() - self._polled_at < self._poll_interval:
            return
        with self._lock:
            if time.monotonic() - self._polled_at < self._poll_interval:
                return
            version = self._load_version()
            if version != self._version:
                self._clients.clear()
                self._version = version
            self._polled_at = time.monotonic()
