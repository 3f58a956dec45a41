"""A relying party's logout endpoints on their own loopback port, in a thread of the test
process: it records each back-channel POST (the form; for any other body, the body and
its Content-Type and Authorization headers) and each front-channel GET (the query), and
answers as the test sets it: a status, a body, a redirect, a huge body, or a hang. It
also serves as a receiver of pushed SETs (RFC 8935)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

HUGE_BODY = 10 * 1024 * 1024
FORM = "application/x-www-form-urlencoded"


@dataclass
class Behaviour:
    status: int = 200
    location: str | None = None  # answer a redirect to it
    huge: bool = False  # send 10 MB
    hang: float = 0.0  # seconds to wait before answering
    drip: int = 0  # answer this many body bytes, one every 2 s (each within a read timeout)
    body: bytes = b""  # what to answer with (a JSON error, say)


@dataclass
class LogoutReceiver:
    origin: str
    behaviour: Behaviour = field(default_factory=Behaviour)
    posts: list[dict[str, str]] = field(default_factory=list)
    frames: list[dict[str, str]] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def backchannel_uri(self) -> str:
        return f"{self.origin}/backchannel_logout"

    @property
    def frontchannel_uri(self) -> str:
        return f"{self.origin}/frontchannel_logout"

    def record(self, into: list[dict[str, str]], values: dict[str, str]) -> None:
        with self._arrived:
            into.append(values)
            self._arrived.notify_all()

    def wait_for_posts(self, count: int, timeout: float = 15) -> list[dict[str, str]]:
        return self._wait(self.posts, count, timeout)

    def wait_for_frames(self, count: int, timeout: float = 15) -> list[dict[str, str]]:
        return self._wait(self.frames, count, timeout)

    def _wait(
        self, arrived: list[dict[str, str]], count: int, timeout: float
    ) -> list[dict[str, str]]:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(arrived) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"{len(arrived)} of {count} arrived"
                self._arrived.wait(left)
            return list(arrived)


def _handler(receiver: LogoutReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            body = self.rfile.read(length).decode()
            if self.headers.get("content-type", "").startswith(FORM):
                values = {k: v[0] for k, v in parse_qs(body).items()}
            else:
                values = {
                    "body": body,
                    "content-type": self.headers.get("content-type", ""),
                    "accept": self.headers.get("accept", ""),
                    "authorization": self.headers.get("authorization", ""),
                }
            receiver.record(receiver.posts, values)
            self._answer()

        def do_GET(self) -> None:
            """Any page of the application; the front-channel logout page is recorded."""
            url = urlsplit(self.path)
            if url.path == urlsplit(receiver.frontchannel_uri).path:
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                receiver.record(receiver.frames, query)
            body = f"<!doctype html><title>{url.path}</title><p>{url.path}</p>".encode()
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _answer(self) -> None:
            behaviour = receiver.behaviour
            if behaviour.hang:
                time.sleep(behaviour.hang)
            self.send_response(behaviour.status)
            if behaviour.location:
                self.send_header("location", behaviour.location)
            size = HUGE_BODY if behaviour.huge else behaviour.drip
            self.send_header("content-length", str(size + len(behaviour.body)))
            self.send_header("cache-control", "no-store")
            if behaviour.body:
                self.send_header("content-type", "application/json")
            self.end_headers()
            try:
                self.wfile.write(behaviour.body)
                for _ in range(size // 65536):
                    self.wfile.write(b"x" * 65536)
                for _ in range(behaviour.drip):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(2)
            except OSError:
                pass  # the IdP stopped reading, as it should

    return Handler


@contextmanager
def logout_receiver(host: str = "127.0.0.1") -> Iterator[LogoutReceiver]:
    receiver = LogoutReceiver("")
    server = ThreadingHTTPServer((host, 0), _handler(receiver))
    server.daemon_threads = True
    receiver.origin = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
