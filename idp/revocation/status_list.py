"""Token status lists (IETF draft-ietf-oauth-status-list-20): which status each issued
access token has, derived from the revocation records and suspensions, packed and
signed as a Status List Token.

A list's statuses are not written when something is taken back: they are derived, at
build time, from what each index was issued for (its token's ``jti``, ``sid``, ``sub``,
``client_id`` and ``iat``) and the records every node holds in memory. So a revocation
racing an issuance can never be missed, and lifting a suspension needs no rewrite.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from idp.revocation.records import RevocationKind, RevocationRecord

DRAFT = "draft-ietf-oauth-status-list-20"
STATUS_LIST_TYPE = "statuslist+jwt"  # §5.1
MEDIA_TYPE = "application/statuslist+jwt"  # §8.2
BITS = 2  # §4.2: VALID, INVALID and SUSPENDED need two bits per token


class Status(IntEnum):
    """§7.1."""

    VALID = 0
    INVALID = 1
    SUSPENDED = 2


@dataclass(frozen=True)
class IssuedEntry:
    """What one index of a list was issued for."""

    list_id: int
    idx: int
    jti: str
    sid: str | None
    subject: str
    client_id: str
    issued_at: int
    expires_at: int


def status_list_uri(issuer: str, list_id: int) -> str:
    return f"{issuer}/statuslists/{list_id}"


def status_claim(uri: str, idx: int) -> dict[str, Any]:
    """The Referenced Token's ``status`` claim (§6.2)."""
    return {"status_list": {"idx": idx, "uri": uri}}


def encode(size: int, statuses: Mapping[int, Status]) -> str:
    """``lst`` (§4.1): ``size`` statuses of BITS bits, index i at byte i*BITS//8 from
    the least significant bit up, only the non-VALID ones given; ZLIB at the highest
    level; base64url without padding."""
    packed = bytearray((size * BITS + 7) // 8)
    per_byte = 8 // BITS
    for idx, status in statuses.items():
        packed[idx // per_byte] |= status << (idx % per_byte * BITS)
    compressed = zlib.compress(bytes(packed), 9)
    return base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()


def decode(lst: str, size: int) -> list[Status]:
    """The inverse of ``encode``; what a relying party does (tests and benchmarks)."""
    packed = zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))
    per_byte = 8 // BITS
    mask = (1 << BITS) - 1
    return [Status(packed[i // per_byte] >> (i % per_byte * BITS) & mask) for i in range(size)]


def status_list_claims(
    *, uri: str, lst: str, issuer: str, now: int, ttl: int, validity: int
) -> dict[str, Any]:
    """The Status List Token's claims (§5.1): ``sub`` is its own URI."""
    return {
        "iss": issuer,
        "sub": uri,
        "iat": now,
        "exp": now + validity,
        "ttl": ttl,
        "status_list": {"bits": BITS, "lst": lst},
    }


Row = tuple[int, str, str | None, str, str, int]  # idx, jti, sid, sub, client_id, iat


@dataclass(frozen=True)
class TakenBack:
    """What the live revocation records and the suspensions take back, by claim: a
    snapshot to derive a whole list's statuses from in one pass."""

    jtis: frozenset[str]
    sids: frozenset[str]
    subjects_until: Mapping[str, int]  # every token issued up to that time
    clients_until: Mapping[str, int]
    suspended_subjects: frozenset[str]
    suspended_clients: frozenset[str]

    @classmethod
    def of(
        cls, records: Iterable[RevocationRecord], suspended: Iterable[tuple[str, str]]
    ) -> TakenBack:
        by_kind: dict[RevocationKind, dict[str, int]] = {kind: {} for kind in RevocationKind}
        for record in records:
            by_kind[record.kind][record.value] = record.revoked_at
        held = set(suspended)
        return cls(
            jtis=frozenset(by_kind[RevocationKind.JTI]),
            sids=frozenset(by_kind[RevocationKind.SID]),
            subjects_until=by_kind[RevocationKind.SUBJECT],
            clients_until=by_kind[RevocationKind.CLIENT],
            suspended_subjects=frozenset(v for k, v in held if k == RevocationKind.SUBJECT),
            suspended_clients=frozenset(v for k, v in held if k == RevocationKind.CLIENT),
        )

    def statuses(self, rows: Iterable[Row], lapsed: Sequence[range]) -> dict[int, Status]:
        """The non-VALID statuses of a list whose entries are ``rows``: as the records
        and suspensions say (idp.revocation.records: tokens issued in the second of a
        subject's or client's record are covered too), and INVALID for every index of a
        ``lapsed`` block that was never recorded: its node may have issued it."""
        statuses: dict[int, Status] = {}
        block_size = len(lapsed[0]) if lapsed else 0
        lapsed_starts = {block.start for block in lapsed}
        recorded_in_lapsed: set[int] = set()
        jtis, sids = self.jtis, self.sids
        subjects_until, clients_until = self.subjects_until, self.clients_until
        for idx, jti, sid, subject, client_id, issued_at in rows:
            if lapsed_starts and idx - idx % block_size in lapsed_starts:
                recorded_in_lapsed.add(idx)
            if (
                jti in jtis
                or (sid is not None and sid in sids)
                or issued_at <= subjects_until.get(subject, -1)
                or issued_at <= clients_until.get(client_id, -1)
            ):
                statuses[idx] = Status.INVALID
            elif subject in self.suspended_subjects or client_id in self.suspended_clients:
                statuses[idx] = Status.SUSPENDED
        for block in lapsed:
            for idx in block:
                if idx not in recorded_in_lapsed:
                    statuses[idx] = Status.INVALID
        return statuses
