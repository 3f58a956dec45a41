"""The Redis server the event-bus tests use over a real connection
(IDP_TEST_REDIS_URL; default the local server on 127.0.0.1:6379). Missing, it skips the
test, except in CI (CI=true), where it fails it."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
import redis

REDIS_URL = os.environ.get("IDP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_redis() -> str:
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        client.ping()
        client.close()
    except (redis.RedisError, OSError):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI and unreachable at {REDIS_URL}")
        pytest.skip("Redis is not reachable")
    return REDIS_URL


def redis_address() -> tuple[str, int]:
    parts = urlsplit(REDIS_URL)
    return parts.hostname or "127.0.0.1", parts.port or 6379
