"""The key ring: private keys unsealed once and held in memory, refreshed from storage
every ``cache_ttl`` seconds so that keys rotated on another node are picked up before
they start signing (the publish delay is longer than the cache lifetime)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from idp.clock import Clock
from idp.keys.signing import Algorithm, PrivateKey, PublicKey, StoredKey, unseal_private_key


@dataclass(frozen=True)
class ActiveKey:
    kid: str
    alg: Algorithm
    private_key: PrivateKey


class NoSigningKeyError(RuntimeError):
    pass


class KeyRing:
    def __init__(
        self,
        load_keys: Callable[[], list[StoredKey]],
        encryption_key: bytes,
        clock: Clock,
        cache_ttl: int,
    ) -> None:
        self._load_keys = load_keys
        self._encryption_key = encryption_key
        self._clock = clock
        self._cache_ttl = cache_ttl
        self._lock = threading.Lock()
        self._stored: list[StoredKey] = []
        self._private: dict[str, PrivateKey] = {}
        self._loaded_at: int | None = None
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

    def invalidate(self) -> None:
        with self._lock:
            self._loaded_at = None

    def _current_keys(self, now: int) -> list[StoredKey]:
        self._refresh_if_stale(now)
        return [key for key in self._stored if key.expires_at is None or key.expires_at > now]

    def _refresh_if_stale(self, now: int) -> None:
        if self._loaded_at is not None and now - self._loaded_at < self._cache_ttl:
            return
        with self._lock:
            if self._loaded_at is not None and now - self._loaded_at < self._cache_ttl:
                return
            stored = self._load_keys()
            self._private = {
                key.kid: self._private.get(key.kid)
                or unseal_private_key(key.sealed_private_key, key.kid, self._encryption_key)
                for key in stored
            }
            self._stored = stored
            self._loaded_at = now
