"""Every node's in-memory view of the revocation records.

It reads the records added since the last one it saw at most once per
``poll_interval`` seconds, so a revocation made on another node is honoured within that
interval, and one made on this node at once (``remember``). Entries leave when the last
token they cover has expired.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import StrEnum

Loader = Callable[[int], list[tuple[int, str, str, int]]]


class RevocationKind(StrEnum):
    JTI = "jti"  # one access token
    SID = "sid"  # every token issued in an SSO session


class RevocationCache:
    def __init__(self, load_since: Loader, poll_interval: float) -> None:
        self._load_since = load_since
        self._poll_interval = poll_interval
        self._lock = threading.Lock()
        self._revoked: dict[tuple[str, str], int] = {}
        self._last_id = 0
        self._polled_at = float("-inf")

    def is_revoked(self, kind: RevocationKind, value: str, now: int) -> bool:
        self._refresh_if_due()
        prune_after = self._revoked.get((kind, value))
        return prune_after is not None and prune_after > now

    def any_revoked(self, claims: dict[str, object], now: int) -> bool:
        """Whether the token these claims describe is covered by any revocation."""
        return any(
            isinstance(claims.get(kind), str) and self.is_revoked(kind, str(claims[kind]), now)
            for kind in RevocationKind
        )

    def remember(self, kind: RevocationKind, value: str, prune_after: int) -> None:
        with self._lock:
            self._revoked[(kind, value)] = prune_after

    def _refresh_if_due(self) -> None:
        if time.monotonic() - self._polled_at < self._poll_interval:
            return
        with self._lock:
            if time.monotonic() - self._polled_at < self._poll_interval:
                return
            for row_id, kind, value, prune_after in self._load_since(self._last_id):
                self._revoked[(kind, value)] = prune_after
                self._last_id = max(self._last_id, row_id)
            self._polled_at = time.monotonic()
