"""The instance secret: one random file from which purpose-bound keys are derived."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET_BYTES = 32


class InstanceSecretError(RuntimeError):
    pass


def load_or_create(path: Path) -> bytes:
    """Read the instance secret, creating it (mode 0600) if the file does not exist."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(SECRET_BYTES))
    text = path.read_text().strip()
    try:
        value = bytes.fromhex(text)
    except ValueError as exc:
        raise InstanceSecretError(f"{path}: not a hex-encoded secret") from exc
    if len(value) < SECRET_BYTES:
        raise InstanceSecretError(f"{path}: secret must be at least {SECRET_BYTES} bytes")
    return value


def derive_key(instance_secret: bytes, purpose: str) -> bytes:
    """A 256-bit key bound to ``purpose`` (HKDF-SHA256, RFC 5869)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        instance_secret
    )
