"""A real Tessera server on a loopback port, in a thread of the test process."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from idp.app import create_app
from idp.config import Settings
from idp.keys.rotation import ensure_signing_keys
from idp.provider import Provider
from idp.store.migrate import upgrade
from tests.support.clock import MovableClock


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningIdp:
    base_url: str  # where this node listens (its issuer may be another node's URL)
    provider: Provider
    clock: MovableClock

    @property
    def settings(self) -> Settings:
        return self.provider.settings

    @property
    def issuer(self) -> str:
        return self.provider.settings.issuer


@contextmanager
def running_idp(
    database_url: str, directory: Path, *, issuer_host: str = "127.0.0.1", **overrides: Any
) -> Iterator[RunningIdp]:
    """``issuer_host``: the host name of the issuer (it listens on 127.0.0.1 anyway);
    "localhost" for WebAuthn in a browser, which takes no IP address as an RP ID."""
    port = free_port()
    settings = Settings(
        **{
            "issuer": f"http://{issuer_host}:{port}",
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
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("Tessera did not start")
        time.sleep(0.01)
    try:
        yield RunningIdp(f"http://127.0.0.1:{port}", provider, clock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
