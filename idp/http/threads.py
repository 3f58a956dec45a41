"""Where protocol code runs. It is synchronous; work that may touch the database goes to
the thread pool, and work the core declares in-memory runs on the event loop, which
spares a thread round trip on the hottest paths (client credentials, introspection)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

T = TypeVar("T")


async def on_loop_or_thread(work: Callable[[], T], *, in_memory: bool) -> T:
    if in_memory:
        return work()
    return await run_in_threadpool(work)
