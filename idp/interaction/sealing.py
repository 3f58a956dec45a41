"""Interactions travel sealed in their URL, not in the database: nothing is stored for a
request until a person acts on it, and any node can continue what another began.

The seal is AES-256-GCM (a key derived from the instance secret for this purpose only)
over the compressed record and its expiry, so an interaction can be neither read nor
altered nor kept beyond IDP_INTERACTION_TTL."""

from __future__ import annotations

import base64
import binascii
import json
import os
import zlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from idp.interaction.model import Interaction

PURPOSE = b"tessera interaction v1"
NONCE_BYTES = 12
MAX_SEALED_LENGTH = 16384


class InteractionNotFoundError(LookupError):
    """Expired, altered, or never issued."""


@dataclass(frozen=True)
class InteractionSeal:
    key: bytes
    ttl: int

    def seal(self, interaction: Interaction, now: int) -> str:
        record = {"exp": now + self.ttl, "interaction": interaction.to_record()}
        plain = zlib.compress(json.dumps(record, separators=(",", ":")).encode())
        nonce = os.urandom(NONCE_BYTES)
        sealed = nonce + AESGCM(self.key).encrypt(nonce, plain, PURPOSE)
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()

    def open(self, sealed: str, now: int) -> Interaction:
        if len(sealed) > MAX_SEALED_LENGTH:
            raise InteractionNotFoundError("too long")
        try:
            raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
            plain = AESGCM(self.key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], PURPOSE)
            record = json.loads(zlib.decompress(plain))
        except (binascii.Error, ValueError, InvalidTag, zlib.error) as exc:
            raise InteractionNotFoundError("not a sealed interaction") from exc
        if record["exp"] <= now:
            raise InteractionNotFoundError("expired")
        return Interaction.from_record(record["interaction"])
