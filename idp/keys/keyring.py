"""The key ring: private keys unsealed once and held in memory. The node's cache
refresher re-reads them every IDP_KEY_CACHE_TTL seconds (``refresh``, off the event
loop), so that keys rotated on another node are picked up before they start signing:
the publish delay is at least the cache lifetime plus the JWKS max-age."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag

from idp.clock import Clock
from idp.keys.signing import Algorithm, PrivateKey, PublicKey, StoredKey, unseal_private_key


@dataclass(frozen=True)
class ActiveKey:
    kid: str
    alg: Algorithm
    private_key: PrivateKey


class NoSigningKeyError(RuntimeError):
    pass


class KeySealError(RuntimeError):
    """A stored key does not open with this instance secret: it is the wrong secret."""


class KeyRing:
    def __init__(
        self,
        load_keys: Callable[[], list[StoredKey]],
        encryption_key: bytes,
        clock: Clock,
    ) -> None:
        self._load_keys = load_keys
        self._encryption_key = encryption_key
        self._clock = clock
        self._lock = threading.Lock()
        self._stored: list[StoredKey] = []
        self._private: dict[str, PrivateKey] = {}
        self._loaded = False
        self._document: tuple[tuple[str, ...], bytes] | None = None

    def signing_key(self, alg: Algorithm) -> ActiveKey:
        """The newest key of ``alg`` that has activated and not expired."""
        now = self._clock.now()
        candidates = [
            key for key in self._current_keys(now) if key.alg is alg and key.activates_at <= now
        ]
        if not candidates:
            raise NoSigningKeyError(f"no active {alg} signing key")
        newest = max(candidates, key=lambda key: (key.activates_at, key.created_at))
        return ActiveKey(newest.kid, newest.alg, self._private[newest.kid])

    def verification_key(self, kid: str) -> PublicKey | None:
        """The public key for ``kid`` while it is published."""
        now = self._clock.now()
        for key in self._current_keys(now):
            if key.kid == kid:
                return self._private[kid].public_key()
        return None

    def jwks(self) -> dict[str, Any]:
        """RFC 7517 §5: every published key, including the next one before it signs."""
        now = self._clock.now()
        return {"keys": [key.public_jwk for key in self._current_keys(now)]}

    def jwks_document(self) -> bytes:
        """The JWKS serialised, recomputed only when the set of published keys changes."""
        now = self._clock.now()
        kids = tuple(key.kid for key in self._current_keys(now))
        if self._document is None or self._document[0] != kids:
            self._document = (kids, json.dumps(self.jwks()).encode())
        return self._document[1]

    def refresh(self) -> None:
        """Re-read the keys from storage, unsealing only the new ones."""
        stored = self._load_keys()
        with self._lock:
            self._private = {
                key.kid: self._private.get(key.kid) or self._unseal(key) for key in stored
            }
            self._stored = stored
            self._loaded = True

    def _unseal(self, key: StoredKey) -> PrivateKey:
        try:
            return unseal_private_key(key.sealed_private_key, key.kid, self._encryption_key)
        except InvalidTag:
            raise KeySealError(
                f"signing key {key.kid} does not open with this instance secret "
                "(IDP_SECRET_KEY_FILE): it is not the secret the keys were sealed with"
            ) from None

    def _current_keys(self, now: int) -> list[StoredKey]:
        if not self._loaded:
            self.refresh()  # a process that never started the refresher (the CLI)
        return [key for key in self._stored if key.expires_at is None or key.expires_at > now]
