"""idp.revocation.bus: what travels between nodes, and what a subscriber does with a
message it cannot use (nothing, and it keeps listening)."""

from __future__ import annotations

import json

from idp.revocation.bus import LocalBus, RedisBus, record_of, revocation_message
from idp.revocation.records import RevocationKind, RevocationRecord


def test_a_revocation_travels_whole():
    record = RevocationRecord(RevocationKind.SID, "s-1", 1000, 2000)
    assert record_of(json.loads(json.dumps(revocation_message(record)))) == record


def test_a_message_that_cannot_be_used_is_dropped_and_the_subscriber_goes_on():
    heard = []

    def handler(message):
        heard.append(message)
        record_of(message)  # raises on a message without the fields

    RedisBus._dispatch(handler, b"{not json")
    RedisBus._dispatch(handler, json.dumps({"type": "revocation"}).encode())
    RedisBus._dispatch(
        handler,
        json.dumps(revocation_message(RevocationRecord(RevocationKind.JTI, "j", 1, 2))).encode(),
    )
    assert len(heard) == 2  # the JSON ones reached the handler; nothing was raised


def test_the_local_bus_reaches_no_other_node_so_nodes_keep_polling_often():
    assert LocalBus().healthy is False
