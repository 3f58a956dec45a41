"""A bounded memory of the ``jti``s seen, each until its token expires: what drops a
logout token delivered twice (Back-Channel Logout 1.0 §2.6: deliveries are at least
once, and Tessera's retries keep the ``jti``). It lives in one process; apps with
several processes share one through the web-app helper's storage."""

from __future__ import annotations

import threading
from collections import OrderedDict

from idp.rp.errors import ReplayedToken

CAPACITY = 10_000


class SeenTokens:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._until: OrderedDict[str, float] = OrderedDict()  # jti -> when it may go
        self._lock = threading.Lock()

    def check_and_remember(self, jti: str, until: float, now: float) -> None:
        """ReplayedToken if ``jti`` was seen; else it is remembered until ``until``.
        When full, the entry remembered first goes first."""
        with self._lock:
            self._forget_expired(now)
            if jti in self._until:
                raise ReplayedToken("this token was received before (its jti)")
            if len(self._until) >= self._capacity:
                self._until.popitem(last=False)
            self._until[jti] = until

    def _forget_expired(self, now: float) -> None:
        while self._until:
            jti, until = next(iter(self._until.items()))
            if until > now:
                return
            del self._until[jti]

    def __len__(self) -> int:
        return len(self._until)
