"""Several Tessera nodes on one database, as behind a load balancer: one issuer, one
instance secret. ``running_cluster``: servers in threads of the test process, each on
its own loopback port; ``served_workers``: ``idp serve --workers N``, real processes.

``running_idp(url, directory, issuer=other.base_url)`` gives a node whose ``base_url``
is the issuer, so requests meant for it go to the other node; here every node's
``base_url`` is its own address, and its issuer the cluster's."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from idp.app import create_app
from idp.config import Settings
from idp.keys.rotation import ensure_signing_keys
from idp.provider import Provider
from idp.store.migrate import upgrade
from tests.cli.processes import served_idp
from tests.support.clock import MovableClock
from tests.support.server import RunningIdp, free_port

START_TIMEOUT = 10


@contextmanager
def running_node(
    database_url: str, directory: Path, *, issuer: str | None = None, **overrides: Any
) -> Iterator[RunningIdp]:
    """A real server in a thread of the test process, reachable at its ``base_url``;
    its issuer is ``issuer`` (default: that address)."""
    port = free_port()
    address = f"http://127.0.0.1:{port}"
    settings = Settings(
        **{
            "issuer": issuer or address,
            "database_url": database_url,
            "secret_key_file": directory / "secret.key",
            **overrides,
        }
    )
    upgrade(settings.database_url)
    clock = MovableClock()
    app = create_app(settings, clock=clock)
    provider: Provider = app.state.provider
    with provider.store() as store:
        ensure_signing_keys(store, provider.key_encryption_key, clock.now())
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            proxy_headers=False,  # as `idp serve`: IDP_TRUSTED_PROXIES decides
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("Tessera did not start")
        time.sleep(0.01)
    try:
        yield RunningIdp(address, provider, clock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def running_cluster(
    database_url: str, directory: Path, nodes: int = 2, **overrides: Any
) -> Iterator[list[RunningIdp]]:
    """``nodes`` nodes sharing ``database_url``, the instance secret in ``directory``
    and the first node's address as their issuer."""
    with ExitStack() as stack:
        first = stack.enter_context(running_node(database_url, directory, **overrides))
        others = [
            stack.enter_context(
                running_node(database_url, directory, issuer=first.base_url, **overrides)
            )
            for _ in range(nodes - 1)
        ]
        yield [first, *others]


@contextmanager
def served_workers(
    database_url: str, directory: Path, workers: int = 2, **env: str
) -> Iterator[RunningIdp]:
    """``idp serve --workers N`` on ``database_url``: N real processes behind one port.
    The ``RunningIdp`` has the served address and, for setting up users and clients, a
    provider of this process on the same database and instance secret. The workers run
    on the real clock: do not move ``clock``."""
    with served_idp(
        directory, "--workers", str(workers), IDP_DATABASE_URL=database_url, **env
    ) as served:
        settings = Settings(
            issuer=served.base_url,
            database_url=database_url,
            secret_key_file=directory / "secret.key",
        )
        provider = Provider.from_settings(settings)
        try:
            yield RunningIdp(served.base_url, provider, MovableClock())
        finally:
            provider.database.dispose()
