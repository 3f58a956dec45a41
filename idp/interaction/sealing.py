"""Interactions travel sealed in their URL, not in the database: nothing is stored for a
request until a person acts on it, and any node can continue what another began.

The seal (idp.sealing) covers the compressed record and its expiry, so an interaction
can be neither read nor altered nor kept beyond IDP_INTERACTION_TTL."""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import dataclass

from idp.interaction.model import Interaction
from idp.sealing import Sealer, UnsealError

MAX_SEALED_LENGTH = 16384


class InteractionNotFoundError(LookupError):
    """Expired, altered, or never issued."""


@dataclass(frozen=True)
class InteractionSeal:
    sealer: Sealer
    ttl: int

    def seal(self, interaction: Interaction, now: int) -> str:
        record = {"exp": now + self.ttl, "interaction": interaction.to_record()}
        plain = zlib.compress(json.dumps(record, separators=(",", ":")).encode())
        return base64.urlsafe_b64encode(self.sealer.seal(plain)).rstrip(b"=").decode()

    def open(self, sealed: str, now: int) -> Interaction:
        if len(sealed) > MAX_SEALED_LENGTH:
            raise InteractionNotFoundError("too long")
        try:
            raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
            if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != sealed:
                raise ValueError("not in its one spelling")  # padding, other alphabets
            record = json.loads(zlib.decompress(self.sealer.open(raw)))
        except (binascii.Error, ValueError, UnsealError, zlib.error) as exc:
            raise InteractionNotFoundError("not a sealed interaction") from exc
        if record["exp"] <= now:
            raise InteractionNotFoundError("expired")
        return Interaction.from_record(record["interaction"])
