"""The Status List encoding (draft-ietf-oauth-status-list-20 §4.1), against the draft's
2-bit example, and the derivation of statuses from records and suspensions."""

from __future__ import annotations

import base64
import zlib

from idp.revocation.records import RevocationKind, RevocationRecord
from idp.revocation.status_list import IssuedEntry, Status, StatusDeriver, decode, encode

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


class Records:
    def __init__(self, *records: RevocationRecord) -> None:
        self.records = {record.key: record for record in records}

    def covers(self, claims, now):
        return any(
            record.covers(claims, now)
            for kind in RevocationKind
            if (record := self.records.get((kind, claims.get(kind)))) is not None
        )


class Held:
    def __init__(self, *held: str) -> None:
        self.held = set(held)

    def holds(self, subject, client_id):
        return subject in self.held or client_id in self.held


def entry(idx, *, jti="j", sid=None, subject="u", client_id="c", issued_at=NOW - 10):
    return IssuedEntry(1, idx, jti, sid, subject, client_id, issued_at, issued_at + 600)


def test_statuses_follow_records_and_suspensions():
    revoked = Records(
        RevocationRecord(RevocationKind.JTI, "gone", NOW - 5, NOW + 600),
        RevocationRecord(RevocationKind.SID, "s1", NOW - 5, NOW + 600),
        RevocationRecord(RevocationKind.SUBJECT, "alice", NOW - 5, NOW + 600),
    )
    deriver = StatusDeriver(revoked, Held("quarantined"), NOW)
    statuses = deriver.statuses(
        [
            entry(0, jti="gone"),
            entry(1, sid="s1"),
            entry(2, subject="alice"),
            entry(3, subject="alice", issued_at=NOW - 1),  # issued after the record
            entry(4, client_id="quarantined"),
            entry(5),
        ],
        lapsed=[range(1024, 2048)],
    )
    assert statuses[0] is statuses[1] is statuses[2] is Status.INVALID
    assert 3 not in statuses
    assert 5 not in statuses
    assert statuses[4] is Status.SUSPENDED
    assert all(statuses[i] is Status.INVALID for i in range(1024, 2048))
