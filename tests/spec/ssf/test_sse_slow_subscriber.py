"""A subscriber that stops reading is bounded: what waits for it is capped by the
connection's buffers, and once a send has waited IDP_SSF_SEND_TIMEOUT seconds it is
disconnected (it resumes with Last-Event-ID); meanwhile another subscriber of the same
stream gets every event, in order."""

from __future__ import annotations

import socket
import time

import pytest

from idp.revocation.events import SecurityEventType
from tests.support.databases import database_url
from tests.support.server import running_idp
from tests.support.ssf import SseReader, create_stream, sse_connect, ssf_receiver, ssf_token

EVENTS = 8000  # more than the kernel buffers a stalled connection can hold (≈ 6 MB of SETs)
SEND_TIMEOUT = 2


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    directory = tmp_path_factory.mktemp("idp")
    with (
        database_url("sqlite", directory) as url,
        running_idp(url, directory, ssf_send_timeout=SEND_TIMEOUT) as server,
    ):
        yield server


def stalled_subscriber(idp, token: str, path: str) -> socket.socket:
    """Connected, the request sent, and then never read from."""
    host, port = idp.base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: text/event-stream\r\n\r\n"
    )
    sock.sendall(request.encode())
    return sock


def test_a_stalled_subscriber_is_cut_off_and_never_slows_another(idp):
    token = ssf_token(idp, ssf_receiver(idp))
    stream = create_stream(idp, token, delivery={"method": "urn:tessera:ssf:sse"})
    path = stream["delivery"]["endpoint_url"].removeprefix(idp.issuer)
    stalled = stalled_subscriber(idp, token, path)
    with sse_connect(idp, token, stream) as response:
        reader = SseReader(response)
        with idp.provider.store() as store:
            for n in range(EVENTS):
                store.record_security_event(
                    SecurityEventType.TOKEN_REVOKED,
                    subject="svc",
                    now=idp.clock.now(),
                    detail={"jti": f"j{n}"},
                )
        started = time.monotonic()
        ids = [int(event_id) for event_id, _, _ in reader.events(EVENTS)]
        took = time.monotonic() - started
    assert ids == sorted(ids)
    assert len(set(ids)) == EVENTS
    # The stalled one was disconnected: reading it now drains its buffers, then ends.
    stalled.settimeout(30)  # a socket.timeout here: it was never cut off
    received = bytearray()
    while chunk := stalled.recv(65536):
        received += chunk
    stalled.close()
    delivered = received.count(b"event: set")
    assert 0 < delivered < EVENTS  # it got what fitted in the buffers, then the end
    assert took < 60
