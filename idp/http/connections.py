"""Slow and oversized requests, bounded where uvicorn reads them.

uvicorn bounds an idle kept-alive connection (``timeout_keep_alive``) and the number of
connections (``limit_concurrency``), but not the time a client takes to send a request,
nor the size of its header block: 200 slowloris connections, or a POST sending a byte
every few seconds, were held for ever, and 1 MB of headers was read. This protocol is
uvicorn's httptools protocol with deadlines (RFC 9110 §15.5.9 408) and a header bound
(RFC 6585 §5 431); ``idp serve`` runs uvicorn with it. It leans on uvicorn's
``HttpToolsProtocol`` hooks (tests/spec/http_connections pins their behaviour).

A fronting proxy should bound these too, and more (see docs/security.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from idp.config import load_settings

LINGER = 2.0  # s to drain what a refused client still sends, so it reads the answer


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """IDP_HEADER_READ_TIMEOUT from a connection's first byte (or its opening) to the
    end of the headers; IDP_BODY_READ_TIMEOUT from there to the end of the body;
    IDP_MAX_HEADER_BYTES for the request line and headers."""

    header_timeout: float | None = None  # read from the settings once per process
    body_timeout = 0.0
    max_header_bytes = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if BoundedHttpToolsProtocol.header_timeout is None:
            _configure()
        # One timer per connection, moved rather than replaced: the hot path only sets
        # ``_deadline_at`` (None while no request is being read).
        self._timer: asyncio.TimerHandle | None = None
        self._deadline_at: float | None = None
        self._head_bytes = 0
        self._reading_head = True
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect(self.header_timeout or 0)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._reading_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._reading_head and self._head_bytes > self.max_header_bytes:
            self._refuse(431, b"Request Header Fields Too Large")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head = True  # _head_bytes already counts the chunk this began in
        if self._deadline_at is None:  # the next request of a kept-alive connection
            self._expect(self.header_timeout or 0)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        # What arrived since the request began bounds its head; only past the bound
        # (head and body in one large chunk) is the head itself measured.
        if self._head_bytes > self.max_header_bytes and self._head_size() > self.max_header_bytes:
            self._refuse(431, b"Request Header Fields Too Large")
            return
        self._expect(self.body_timeout)
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:  # a refused request has no cycle to hold its body
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._deadline_at, self._head_bytes = None, 0
        if not self._refused:
            super().on_message_complete()

    def _head_size(self) -> int:
        return len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)

    def _expect(self, seconds: float) -> None:
        self._deadline_at = self.loop.time() + seconds
        if self._timer is None:
            self._timer = self.loop.call_at(self._deadline_at, self._check_deadline)

    def _check_deadline(self) -> None:
        self._timer = None
        if self._deadline_at is None or self.transport.is_closing():
            return  # no request being read: the next one arms it again
        if self.loop.time() < self._deadline_at:  # moved on since: wait for the new one
            self._timer = self.loop.call_at(self._deadline_at, self._check_deadline)
            return
        self._deadline_at = None
        if self.cycle is None or not self.cycle.response_started:
            self._refuse(408, b"Request Timeout")
        else:
            self.transport.close()

    def _refuse(self, status: int, message: bytes) -> None:
        """Answer and close; then drain for a moment, so that the kernel does not reset
        the connection (discarding the answer) over bytes the client is still sending."""
        self._refused, self._deadline_at = True, None
        self.transport.write(
            STATUS_LINE[status]
            + b"content-type: text/plain; charset=utf-8\r\ncontent-length: "
            + str(len(message)).encode()
            + b"\r\nconnection: close\r\n\r\n"
            + message
        )
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(LINGER, self.transport.close)
        else:
            self.transport.close()


def _configure() -> None:
    settings = load_settings()
    BoundedHttpToolsProtocol.header_timeout = settings.header_read_timeout
    BoundedHttpToolsProtocol.body_timeout = settings.body_read_timeout
    BoundedHttpToolsProtocol.max_header_bytes = settings.max_header_bytes
