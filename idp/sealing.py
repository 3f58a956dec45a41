"""Sealed values: AES-256-GCM (the ``cryptography`` package) under a key derived from the
instance secret for one purpose, which is also bound in as associated data. What one
node seals any other node can open; nobody without the instance secret can read or
alter it."""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class UnsealError(ValueError):
    """Not sealed by us for this purpose (or altered since)."""


@dataclass(frozen=True)
class Sealer:
    key: bytes
    purpose: bytes

    def seal(self, plain: bytes, context: bytes = b"") -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(self.key).encrypt(nonce, plain, self.purpose + b"\x00" + context)

    def open(self, sealed: bytes, context: bytes = b"") -> bytes:
        try:
            return AESGCM(self.key).decrypt(
                sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], self.purpose + b"\x00" + context
            )
        except (InvalidTag, ValueError) as exc:
            raise UnsealError("not a sealed value of this purpose") from exc
