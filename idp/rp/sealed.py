"""Values the web-app helper hands the browser to keep (its cookies), sealed: AES-256-GCM
(NIST SP 800-38D) under a key derived with HKDF-SHA256 (RFC 5869) from the app's
secret and the value's purpose, the purpose also bound as associated data, and a
maximum age sealed inside. A value sealed for one purpose does not open for another;
a value changed, truncated or too old does not open at all."""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MIN_SECRET_LENGTH = 32  # characters of the app's secret
NONCE_SIZE = 12  # bytes, the GCM nonce (SP 800-38D §8.2.2: random, 96 bits)
MAX_SEALED = 8192  # characters; anything longer is not ours


class Sealer:
    def __init__(self, secret: str, purpose: str) -> None:
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"the secret key must be at least {MIN_SECRET_LENGTH} characters")
        self._purpose = purpose.encode()
        key = HKDF(SHA256(), 32, salt=None, info=b"idp.rp.web_login " + self._purpose)
        self._aead = AESGCM(key.derive(secret.encode()))

    def seal(self, payload: dict[str, Any], *, now: float, max_age: float) -> str:
        plaintext = json.dumps({**payload, "exp": now + max_age}, separators=(",", ":"))
        nonce = os.urandom(NONCE_SIZE)
        sealed = nonce + self._aead.encrypt(nonce, plaintext.encode(), self._purpose)
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()

    def open(self, value: str, *, now: float) -> dict[str, Any] | None:
        """The payload (with its ``exp``), or None: tampered with, of another purpose
        or secret, or expired."""
        if len(value) > MAX_SEALED:
            return None
        try:
            sealed = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            plaintext = self._aead.decrypt(sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], self._purpose)
        except (binascii.Error, ValueError, InvalidTag):
            return None
        payload = json.loads(plaintext)
        if not isinstance(payload, dict) or not payload.get("exp", 0) > now:
            return None
        return payload
