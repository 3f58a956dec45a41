"""Every node's in-memory view of the revocation records.

The node's cache refresher (``refresh``, off the event loop, every
IDP_CACHE_POLL_INTERVAL seconds) reads the records committed since the last position
it saw; a revocation made on this node is known at once (``remember``). Checking a
token is a dictionary lookup per claim. If the database cannot be read for longer than
``max_staleness`` seconds, the cache refuses to answer rather than call a revoked
token valid (fail closed).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from idp.errors import TemporarilyUnavailableError
from idp.revocation.records import RevocationKind, RevocationRecord
from idp.revocation.suspensions import Suspensions

Loader = Callable[[int], tuple[list[RevocationRecord], int]]
Announcer = Callable[[RevocationRecord], None]


class StaleCacheError(TemporarilyUnavailableError):
    """The node has not been able to read the database for too long."""


class RevocationCache:
    def __init__(
        self,
        load_after: Loader,
        max_staleness: float,
        announce: Announcer | None = None,
        suspensions: Suspensions | None = None,
    ) -> None:
        self._load_after = load_after
        # What is taken back until further notice (idp.revocation.suspensions).
        self.suspensions = suspensions or Suspensions(list)
        self._max_staleness = max_staleness
        self._announce = announce
        self._lock = threading.Lock()
        self._records: dict[tuple[RevocationKind, str], RevocationRecord] = {}
        self._position = 0
        self._refreshed_at: float | None = None
        self.version = 0  # changes whenever a record is new or covers more

    def covers(self, claims: Mapping[str, object], now: int) -> bool:
        """Whether any revocation takes back the token these claims describe."""
        self.check_fresh()
        for kind in RevocationKind:
            value = claims.get(kind)
            record = self._records.get((kind, value)) if isinstance(value, str) else None
            if record is not None and record.covers(claims, now):
                return True
        return False

    def live_records(self, now: int) -> list[RevocationRecord]:
        """Every record that still covers some token (for idp.revocation.status_list)."""
        self.check_fresh()
        return [record for record in self._records.values() if record.prune_after > now]

    def suspends(self, claims: Mapping[str, object]) -> bool:
        """Whether the token's user or client is suspended."""
        self.check_fresh()
        return self.suspensions.holds(str(claims.get("sub")), str(claims.get("client_id")))

    def check_fresh(self) -> None:
        refreshed_at = self._refreshed_at
        if refreshed_at is None or time.monotonic() - refreshed_at > self._max_staleness:
            raise StaleCacheError("revocations could not be read from the database")

    def record_committed(self, record: RevocationRecord) -> None:
        """A revocation this process made has committed: honour it here at once, and
        tell the other nodes (the event bus), which would otherwise poll for it."""
        self.remember(record)
        if self._announce is not None:
            self._announce(record)

    def remember(self, record: RevocationRecord) -> None:
        with self._lock:
            known = self._records.get(record.key)
            merged = known.merged(record) if known else record
            if merged != known:
                self._records[record.key] = merged
                self.version += 1

    def refresh(self, now: int) -> None:
        """Read what was committed since the last refresh and drop what has expired."""
        records, position = self._load_after(self._position)
        self.suspensions.refresh()
        for record in records:
            self.remember(record)
        with self._lock:
            self._records = {
                key: record for key, record in self._records.items() if record.prune_after > now
            }
            self._position = position
            self._refreshed_at = time.monotonic()
