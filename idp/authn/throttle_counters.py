"""Where the throttle's counts live: moving windows of ``limits``, in Redis when
IDP_REDIS_URL is set (every node sees every failure) and in this process otherwise.

Redis unreachable fails *open to this node's own counts*, never closed: refusing every
sign-in while Redis is down would let anyone who can degrade Redis lock every user out,
and the credential check itself runs either way. For ``RETRY_REDIS`` seconds after an
error the node counts alone (guessing is then bounded per node instead of per cluster),
and says so in the log; a Redis that hangs costs one timeout per period, not per call."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from limits import RateLimitItem
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

KEY_PREFIX = "tessera:throttle:"  # + the issuer: deployments sharing a Redis stay apart
TIMEOUT = 0.5  # s, on every Redis call: a sign-in waits no longer for a count
RETRY_REDIS = 5.0  # s of counting alone after a Redis error

T = TypeVar("T")


class Counters:
    def __init__(self, redis_url: str | None = None, issuer: str = "") -> None:
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._shared: MovingWindowRateLimiter | None = None
        if redis_url:
            storage = RedisStorage(
                redis_url,
                key_prefix=KEY_PREFIX + issuer,
                wrap_exceptions=True,
                socket_timeout=TIMEOUT,
                socket_connect_timeout=TIMEOUT,
            )
            self._shared = MovingWindowRateLimiter(storage)
        self._lock = threading.Lock()
        self._alone_until = 0.0

    def wait(self, step: RateLimitItem, key: str) -> float:
        """Seconds until ``step`` allows another failure of ``key`` (0: allowed now)."""
        stats = self._run(lambda limiter: limiter.get_window_stats(step, key))
        return max(0.0, stats.reset_time - time.time()) if stats.remaining <= 0 else 0.0

    def hit(self, step: RateLimitItem, key: str) -> bool:
        """Count one against ``step``; False (and not counted) if it allows no more."""
        return self._run(lambda limiter: limiter.hit(step, key))

    def clear(self, step: RateLimitItem, key: str) -> None:
        self._run(lambda limiter: limiter.clear(step, key))

    def remember(self, key: str, seconds: int) -> None:
        """Mark ``key`` for ``seconds`` from now."""

        def mark(limiter: MovingWindowRateLimiter) -> None:
            limiter.storage.clear(key)  # so that the expiry starts again
            limiter.storage.incr(key, seconds)

        self._run(mark)

    def remembered(self, key: str) -> bool:
        return self._run(lambda limiter: limiter.storage.get(key)) > 0

    def _run(self, call: Callable[[MovingWindowRateLimiter], T]) -> T:
        shared = self._shared
        if shared is not None and time.monotonic() >= self._alone_until:
            try:
                return call(shared)
            except StorageError as error:
                with self._lock:
                    self._alone_until = time.monotonic() + RETRY_REDIS
                log.warning("cannot reach Redis; throttling on this node's counts: %s", error)
        return call(self._local)
