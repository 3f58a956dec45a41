"""High-entropy secrets: generation, digests for storage, constant-time comparison.

Codes, refresh tokens, session ids and client secrets are never stored in the clear;
they are looked up by their SHA-256 digest. A slow hash buys nothing for 256-bit
random values and would cost throughput.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


class Secret:
    """A string whose repr and str never show the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token; 32 bytes = 256 bits."""
    return secrets.token_urlsafe(nbytes)


def new_identifier(nbytes: int = 16) -> str:
    """A URL-safe random id that operators type (client ids, session ids): never
    starting with "-", which a command line would take for an option."""
    while (identifier := secrets.token_urlsafe(nbytes)).startswith("-"):
        pass
    return identifier


def digest(value: str) -> str:
    """Hex SHA-256 of ``value``: how secrets are stored and looked up."""
    return hashlib.sha256(value.encode()).hexdigest()


def matches_digest(value: str, stored_digest: str) -> bool:
    """Constant-time check of ``value`` against a stored digest."""
    return hmac.compare_digest(digest(value), stored_digest)
