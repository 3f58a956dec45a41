"""Slow clients cannot hold connections: a client that takes longer than
IDP_HEADER_READ_TIMEOUT to send its headers, or IDP_BODY_READ_TIMEOUT to send its body,
is answered 408 and closed (RFC 9110 §15.5.9); headers beyond IDP_MAX_HEADER_BYTES are
431 (RFC 6585 §5). The real `idp serve`, over real sockets."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.cli.processes import ServedIdp, served_idp

TIMEOUT = 2  # seconds, both header and body
SLOWLORIS = 200


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedIdp]:
    directory = tmp_path_factory.mktemp("slow")
    with served_idp(
        directory,
        IDP_HEADER_READ_TIMEOUT=str(TIMEOUT),
        IDP_BODY_READ_TIMEOUT=str(TIMEOUT),
        IDP_MAX_HEADER_BYTES="16384",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def server(served: ServedIdp) -> tuple[str, int]:
    parts = urlsplit(served.base_url)
    return str(parts.hostname), int(parts.port or 0)


def connect(address: tuple[str, int], first: bytes) -> socket.socket:
    sock = socket.create_connection(address, timeout=30)
    sock.sendall(first)
    return sock


def answer_of(sock: socket.socket) -> bytes:
    """What the server sent before it closed (b"" if it closed without a word)."""
    chunks = []
    try:
        while chunk := sock.recv(4096):
            chunks.append(chunk)
    except OSError:
        pass
    return b"".join(chunks)


def trickle(sock: socket.socket, stop: threading.Event) -> None:
    """One more byte a second, as a slowloris client does, until the server closes."""
    while not stop.wait(1):
        try:
            sock.sendall(b"x")
        except OSError:
            return


def test_slowloris_connections_are_closed_after_the_header_timeout__rfc9110_s15_5_9(server):
    stop = threading.Event()
    started = time.monotonic()
    sockets = [
        connect(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ") for _ in range(SLOWLORIS)
    ]
    threads = [threading.Thread(target=trickle, args=(s, stop), daemon=True) for s in sockets]
    for thread in threads:
        thread.start()
    try:
        # Meanwhile everyone else is served at once.
        probe = httpx.get(f"http://{server[0]}:{server[1]}/healthz", timeout=5)
        assert probe.status_code == 200
        answers = [answer_of(sock) for sock in sockets]
    finally:
        stop.set()
        for sock in sockets:
            sock.close()
    elapsed = time.monotonic() - started
    assert all(answer.startswith(b"HTTP/1.1 408") for answer in answers), answers[:3]
    assert elapsed < TIMEOUT + 15, elapsed  # not held: closed at the deadline


def test_a_slow_body_is_408_after_the_body_timeout__rfc9110_s15_5_9(server):
    stop = threading.Event()
    head = (
        b"POST /token HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
        b"grant_type=client_credentials&x="
    )
    sock = connect(server, head)
    thread = threading.Thread(target=trickle, args=(sock, stop), daemon=True)
    started = time.monotonic()
    thread.start()
    try:
        answer = answer_of(sock)
    finally:
        stop.set()
        sock.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert time.monotonic() - started < TIMEOUT + 10


def test_headers_beyond_the_bound_are_431__rfc6585_s5(server):
    sock = connect(
        server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"
    )
    try:
        assert answer_of(sock).startswith(b"HTTP/1.1 431")
    finally:
        sock.close()


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /healthz?q=" + b"s" * 60000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /token HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5\r\n\r\na=b&c",
    ],
    ids=["long request line", "headers and body in one piece"],
)
def test_a_whole_oversized_request_in_one_piece_is_431_without_a_server_error(
    served, server, request_bytes
):
    sock = connect(server, request_bytes)
    try:
        assert answer_of(sock).startswith(b"HTTP/1.1 431")
    finally:
        sock.close()
    time.sleep(0.2)
    assert "Traceback" not in served.stderr_path.read_text(), served.logs()


def test_headers_sent_in_many_pieces_beyond_the_bound_are_431__rfc6585_s5(server):
    sock = connect(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    try:
        for _ in range(40):
            sock.sendall(b"X-Piece: " + b"b" * 1000 + b"\r\n")
        assert answer_of(sock).startswith(b"HTTP/1.1 431")
    finally:
        sock.close()


def test_requests_within_the_bounds_are_served_on_a_kept_alive_connection(server):
    base_url = f"http://{server[0]}:{server[1]}"
    with httpx.Client(base_url=base_url, timeout=10) as http:
        long_query = "x" * 12000  # a sealed interaction URL is of this order
        for _ in range(3):
            assert http.get("/healthz", params={"q": long_query}).status_code == 200
            time.sleep(0.2)
