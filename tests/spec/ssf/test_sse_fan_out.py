"""One reader per node fans events out to its SSE subscribers (idp.ssf.feed): a
subscriber that stops reading is cut off once its buffer is full or a send has waited
IDP_SSF_SEND_TIMEOUT seconds, and never slows the others, which get every event of
their own stream, in order; a subscriber of a paused stream gets what the pause held,
on the same connection, once the stream is enabled again."""

from __future__ import annotations

import socket
import threading

import pytest

from idp.revocation.events import SecurityEventType
from tests.support.databases import database_url
from tests.support.server import running_idp
from tests.support.ssf import (
    SseReader,
    create_stream,
    sse_connect,
    ssf_call,
    ssf_receiver,
    ssf_token,
    verified_set,
)

SSE = {"method": "urn:tessera:ssf:sse"}
EVENTS = 8000  # more than a stalled connection's kernel buffers hold (≈ 6 MB of SETs)
PER_TRANSACTION = 200


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    directory = tmp_path_factory.mktemp("idp")
    with (
        database_url("sqlite", directory) as url,
        running_idp(url, directory, ssf_send_timeout=2, ssf_heartbeat_interval=1) as server,
    ):
        yield server


def record_revocations(idp, count: int, prefix: str) -> None:
    for start in range(0, count, PER_TRANSACTION):
        with idp.provider.store() as store:
            for n in range(start, min(count, start + PER_TRANSACTION)):
                store.record_security_event(
                    SecurityEventType.TOKEN_REVOKED,
                    subject="svc",
                    now=idp.clock.now(),
                    detail={"jti": f"{prefix}{n}"},
                )


def stalled_subscriber(idp, token: str, stream) -> socket.socket:
    """Connected, the request sent, and then never read from."""
    host, port = idp.base_url.removeprefix("http://").split(":")
    path = stream["delivery"]["endpoint_url"].removeprefix(idp.issuer)
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: text/event-stream\r\nConnection: close\r\n\r\n".encode()
    )
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)  # drain it fast
    sock.settimeout(30)  # a socket.timeout here: it was never cut off
    received = bytearray()
    while chunk := sock.recv(65536):
        received += chunk
    sock.close()
    return bytes(received)


def test_a_stalled_subscriber_is_cut_off_and_never_slows_another(idp):
    token = ssf_token(idp, ssf_receiver(idp))
    stream = create_stream(idp, token, delivery=SSE)
    stalled = stalled_subscriber(idp, token, stream)
    with sse_connect(idp, token, stream) as response:
        reader = SseReader(response)
        writer = threading.Thread(target=record_revocations, args=(idp, EVENTS, "j"))
        writer.start()
        ids = [int(event_id) for event_id, _, _ in reader.events(EVENTS)]
        writer.join()
    assert ids == sorted(ids)
    assert len(set(ids)) == EVENTS
    delivered = read_until_closed(stalled).count(b"event: set")
    assert 0 < delivered < EVENTS  # what fitted in the buffers, then the end


def test_subscribers_of_different_streams_each_get_their_own_sets(idp):
    receivers = [ssf_token(idp, ssf_receiver(idp)) for _ in range(3)]
    streams = [create_stream(idp, token, delivery=SSE) for token in receivers]
    connections = [
        sse_connect(idp, token, stream) for token, stream in zip(receivers, streams, strict=True)
    ]
    responses = [connection.__enter__() for connection in connections]
    try:
        readers = [SseReader(response) for response in responses]
        record_revocations(idp, 50, "k")
        for stream, reader in zip(streams, readers, strict=True):
            sets = [verified_set(idp, data, stream["aud"]) for _, _, data in reader.events(50)]
            assert [claims["sub_id"]["jti"] for claims in sets] == [f"k{n}" for n in range(50)]
            assert {claims["jti"].rpartition(".")[0] for claims in sets} == {stream["stream_id"]}
    finally:
        for connection in connections:
            connection.__exit__(None, None, None)


def set_status(idp, token: str, stream, status: str) -> None:
    answer = ssf_call(
        idp, "POST", "/ssf/status", token, json={"stream_id": stream["stream_id"], "status": status}
    )
    assert answer.status_code == 200, answer.text


def test_what_a_pause_held_arrives_on_the_same_connection_once_enabled__ssf_s8_1_2(idp):
    token = ssf_token(idp, ssf_receiver(idp))
    stream = create_stream(idp, token, delivery=SSE)
    with sse_connect(idp, token, stream) as response:
        reader = SseReader(response)
        record_revocations(idp, 1, "before")
        [(_, _, first)] = reader.events(1)
        set_status(idp, token, stream, "paused")
        record_revocations(idp, 3, "held")
        set_status(idp, token, stream, "enabled")
        record_revocations(idp, 1, "after")
        sets = [verified_set(idp, data, stream["aud"]) for _, _, data in reader.events(6)]
    revoked = [claims["sub_id"].get("jti") for claims in sets if "jti" in claims["sub_id"]]
    assert verified_set(idp, first, stream["aud"])["sub_id"]["jti"] == "before0"
    assert revoked == ["held0", "held1", "held2", "after0"]
