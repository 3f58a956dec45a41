"""Key rotation without downtime (RFC 7517 §5; OIDC Core §10.1.1).

A new key is published ``publish_delay`` seconds before it signs, so every verifier
has fetched it by then. The key it replaces keeps signing until that moment and stays
published until every token it signed has expired.
"""

from __future__ import annotations

from idp.keys.signing import Algorithm, StoredKey, new_stored_key
from idp.keys.storage import KeyStore


def ensure_signing_keys(store: KeyStore, encryption_key: bytes, now: int) -> list[StoredKey]:
    """Create an immediately active key for each algorithm that has none (first start)."""
    present = {key.alg for key in store.list_keys()}
    created = [
        new_stored_key(alg, encryption_key, now=now, activates_at=now)
        for alg in Algorithm
        if alg not in present
    ]
    for key in created:
        store.add_key(key)
    return created


def rotate_keys(
    store: KeyStore,
    encryption_key: bytes,
    now: int,
    publish_delay: int,
    max_token_ttl: int,
) -> list[StoredKey]:
    """Add a next key per algorithm and schedule the retirement of the current ones."""
    activates_at = now + publish_delay
    existing = store.list_keys()
    created = []
    for alg in Algorithm:
        for key in existing:
            if key.alg is alg and key.expires_at is None:
                store.set_expiry(key.kid, activates_at + max_token_ttl)
        key = new_stored_key(alg, encryption_key, now=now, activates_at=activates_at)
        store.add_key(key)
        created.append(key)
    store.delete_expired(now)
    return created


def rotate_keys_if_due(
    store: KeyStore,
    encryption_key: bytes,
    now: int,
    *,
    period: int,
    publish_delay: int,
    max_token_ttl: int,
) -> list[StoredKey]:
    """Scheduled rotation: rotate when the newest key is ``period`` seconds old.

    Callers hold ``store.lock_key_rotation()`` so that two nodes never both rotate."""
    store.lock_key_rotation()
    keys = store.list_keys()
    if keys and max(key.created_at for key in keys) + period > now:
        store.delete_expired(now)
        return []
    return rotate_keys(store, encryption_key, now, publish_delay, max_token_ttl)
