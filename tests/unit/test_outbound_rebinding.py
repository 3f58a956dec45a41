"""Outbound requests connect to an address that passed the SSRF check, from the same
resolution (OWASP SSRF Prevention Cheat Sheet, DNS rebinding): a name that resolves to
a public address for the check and to a private one when connecting reaches nothing,
and the connection is made to the checked address while the request keeps its name."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from idp.outbound import ForbiddenTargetError, OutboundClient, pinned_transport

PUBLIC = "93.184.215.14"


class Rebinding:
    """A resolver that gives a public address first, then loopback."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        self.calls += 1
        address = PUBLIC if self.calls == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]


def test_a_name_that_rebinds_to_loopback_after_the_check_is_refused():
    resolver = Rebinding()
    outbound = OutboundClient(resolve=resolver)
    with pytest.raises(ForbiddenTargetError, match=re.escape("non-public address 127.0.0.1")):
        outbound.post("http://receiver.example:8080/logout", form={"logout_token": "x"})
    assert resolver.calls == 2  # the check, then the connection: each checked


@pytest.fixture
def receiver() -> Iterator[tuple[int, list[str]]]:
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hosts.append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hosts
    finally:
        server.shutdown()
        server.server_close()


def test_the_connection_goes_to_the_checked_address_and_the_request_keeps_its_name(receiver):
    port, hosts = receiver
    checked: list[tuple[str, int]] = []

    def check(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        checked.append((host, port))
        return [ipaddress.ip_address("127.0.0.1")]  # as if it were the checked address

    async def get() -> int:
        async with httpx.AsyncClient(transport=pinned_transport(check)) as http:
            return (await http.get(f"http://receiver.example:{port}/")).status_code

    assert asyncio.run(get()) == 204
    assert checked == [("receiver.example", port)]
    assert hosts == [f"receiver.example:{port}"]
