"""How long the world may hold on to an old JWKS, and so how long a new key must be
published before it signs (RFC 7517 §5; OIDC Core §10.1.1)."""

from __future__ import annotations

JWKS_MAX_AGE = 60  # Cache-Control max-age of /jwks, s


def minimum_publish_delay(key_cache_ttl: int) -> int:
    """Every node re-reads the keys within ``key_cache_ttl``, and every verifier the JWKS
    within its max-age: only after both may a new key sign."""
    return key_cache_ttl + JWKS_MAX_AGE
