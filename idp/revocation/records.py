"""Revocation records: what was taken back, and which tokens each record covers.

Access and ID tokens are self-contained, so they are taken back by recording a claim
value they carry. A record is kept until the last token it can cover has expired."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

# No access or ID token lives longer than this (idp.oauth.tokens holds clients to it),
# so a record covering every token of a session, subject or client can go after it.
MAX_TOKEN_LIFETIME = 86400


class RevocationKind(StrEnum):
    """Each kind is named after the token claim it matches."""

    JTI = "jti"  # one access token
    SID = "sid"  # every token issued in an SSO session
    SUBJECT = "sub"  # every token of a user issued up to the record's time
    CLIENT = "client_id"  # every token of a client issued up to the record's time


UP_TO_A_TIME = frozenset({RevocationKind.SUBJECT, RevocationKind.CLIENT})


@dataclass(frozen=True)
class RevocationRecord:
    kind: RevocationKind
    value: str
    revoked_at: int
    prune_after: int

    @property
    def key(self) -> tuple[RevocationKind, str]:
        return self.kind, self.value

    def covers(self, claims: Mapping[str, object], now: int) -> bool:
        if self.prune_after <= now or claims.get(self.kind) != self.value:
            return False
        if self.kind in UP_TO_A_TIME:
            issued_at = claims.get("iat")
            # Tokens issued within the same second are taken back too: fail closed.
            return not isinstance(issued_at, int) or issued_at <= self.revoked_at
        return True

    def merged(self, other: RevocationRecord) -> RevocationRecord:
        """Two records of the same key: the later revocation and the later pruning."""
        return RevocationRecord(
            self.kind,
            self.value,
            max(self.revoked_at, other.revoked_at),
            max(self.prune_after, other.prune_after),
        )
