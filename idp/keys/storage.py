"""What the key ring needs from storage."""

from __future__ import annotations

from typing import Protocol

from idp.keys.signing import StoredKey


class KeyStore(Protocol):
    def list_keys(self) -> list[StoredKey]:
        """Every key not yet removed, oldest first."""
        ...

    def add_key(self, key: StoredKey) -> None: ...

    def set_expiry(self, kid: str, expires_at: int) -> None: ...

    def delete_expired(self, now: int) -> int: ...

    def lock_key_rotation(self) -> None:
        """Serialise rotations across nodes until the transaction ends."""
        ...
