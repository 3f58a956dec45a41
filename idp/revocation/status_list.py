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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Protocol

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

    def claims(self) -> dict[str, object]:
        """The claims revocation records match on (idp.revocation.records)."""
        return {
            "jti": self.jti,
            "sid": self.sid,
            "sub": self.subject,
            "client_id": self.client_id,
            "iat": self.issued_at,
        }


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


class Revocations(Protocol):
    def covers(self, claims: Mapping[str, object], now: int) -> bool: ...


class Quarantine(Protocol):
    def holds(self, subject: str, client_id: str) -> bool: ...


class StatusDeriver:
    """Each index's status from the revocation records and suspensions in memory."""

    def __init__(self, revoked: Revocations, suspended: Quarantine, now: int) -> None:
        self._revoked = revoked
        self._suspended = suspended
        self._now = now

    def statuses(
        self, entries: Iterable[IssuedEntry], lapsed: Iterable[range]
    ) -> dict[int, Status]:
        """The non-VALID statuses. Every index of a ``lapsed`` block (a node stopped
        renewing it before closing it, idp.revocation.status_indexes) is INVALID: what it
        issued from that block may never have been recorded, so it is taken back."""
        statuses: dict[int, Status] = {}
        for block in lapsed:
            statuses.update(dict.fromkeys(block, Status.INVALID))
        for entry in entries:
            if entry.idx in statuses:
                continue
            if self._revoked.covers(entry.claims(), self._now):
                statuses[entry.idx] = Status.INVALID
            elif self._suspended.holds(entry.subject, entry.client_id):
                statuses[entry.idx] = Status.SUSPENDED
        return statuses
