"""A folder served over HTTP on its own loopback port, in a thread of the test process:
a second web origin beside the IdP, for browser applications such as a single-page app."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@dataclass(frozen=True)
class StaticSite:
    origin: str  # scheme://host:port, as a browser sends it in Origin

    def url(self, path: str) -> str:
        return f"{self.origin}/{path.lstrip('/')}"


@contextmanager
def static_site(directory: Path, host: str = "127.0.0.1") -> Iterator[StaticSite]:
    """Serve ``directory`` read-only on ``host`` and a free port until the block ends."""
    handler = partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield StaticSite(f"http://{host}:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
