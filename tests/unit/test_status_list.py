"""The Status List encoding (draft-ietf-oauth-status-list-20 §4.1), against the draft's
2-bit example, and the derivation of statuses from records and suspensions."""

from __future__ import annotations

import base64
import zlib

from idp.revocation.records import RevocationKind, RevocationRecord
from idp.revocation.status_list import Status, TakenBack, decode, encode
from idp.revocation.suspensions import SuspendedKind

NOW = 1_800_000_000


def raw(lst: str) -> bytes:
    return zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))


def test_two_bit_packing_matches_the_draft_example__s4_1():
    # §4.1: statuses 1,2,0,3,0,1,0,1,1,2,3,3 pack into 0xC9 0x44 0xF9.
    statuses = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]
    lst = encode(12, {i: s for i, s in enumerate(statuses) if s})  # type: ignore[misc]
    assert raw(lst) == bytes([0xC9, 0x44, 0xF9])
    assert "=" not in lst


def test_decode_inverts_encode():
    statuses = {3: Status.INVALID, 4: Status.SUSPENDED, 1023: Status.INVALID}
    decoded = decode(encode(1024, statuses), 1024)
    assert {i: s for i, s in enumerate(decoded) if s} == statuses


def test_a_million_entries_with_one_percent_revoked_fit_in_16_kb():
    statuses = {i * 100 + 37: Status.INVALID for i in range(10_000)}
    assert len(raw(encode(1_000_000, statuses))) == 250_000
    assert len(encode(1_000_000, statuses)) < 16_000


def row(idx, *, jti="j", sid=None, subject="u", client_id="c", issued_at=NOW - 10):
    return (idx, jti, sid, subject, client_id, issued_at)


def test_statuses_follow_records_and_suspensions():
    taken_back = TakenBack.of(
        [
            RevocationRecord(RevocationKind.JTI, "gone", NOW - 5, NOW + 600),
            RevocationRecord(RevocationKind.SID, "s1", NOW - 5, NOW + 600),
            RevocationRecord(RevocationKind.SUBJECT, "alice", NOW - 5, NOW + 600),
            RevocationRecord(RevocationKind.CLIENT, "gone-client", NOW - 5, NOW + 600),
        ],
        [(SuspendedKind.CLIENT, "quarantined"), (SuspendedKind.SUBJECT, "bob")],
    )
    statuses = taken_back.statuses(
        [
            row(0, jti="gone"),
            row(1, sid="s1"),
            row(2, subject="alice"),
            row(3, subject="alice", issued_at=NOW - 1),  # issued after the record
            row(4, client_id="quarantined"),
            row(5),
            row(6, subject="alice", issued_at=NOW - 5),  # the record's second: covered
            row(7, client_id="gone-client"),
            row(8, subject="bob"),
        ],
        lapsed=[],
    )
    assert statuses == {
        0: Status.INVALID,
        1: Status.INVALID,
        2: Status.INVALID,
        4: Status.SUSPENDED,
        6: Status.INVALID,
        7: Status.INVALID,
        8: Status.SUSPENDED,
    }


def test_a_lapsed_block_is_invalid_where_nothing_was_recorded():
    taken_back = TakenBack.of([], [])
    statuses = taken_back.statuses([row(1030), row(5)], lapsed=[range(1024, 2048)])
    assert 1030 not in statuses
    assert 5 not in statuses
    assert {idx for idx, status in statuses.items() if status is Status.INVALID} == (
        set(range(1024, 2048)) - {1030}
    )
