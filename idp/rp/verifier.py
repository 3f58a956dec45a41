"""A JWT the provider signed, verified (idp.rp.jws) with its metadata's algorithms and
its JWKS's keys: what every kind of token, security event and status list goes through
before its own rules."""

from __future__ import annotations

from typing import Any

from idp.rp.caching import CachedDocument
from idp.rp.discovery import ProviderMetadata
from idp.rp.flow import Flow
from idp.rp.jwks import KeyCache
from idp.rp.jws import HeaderReader, algorithm, payload, split, verify
from idp.rp.keys import JwsAlgorithm
from idp.rp.validation import check_type


class JwtVerifier:
    def __init__(
        self, metadata: CachedDocument[ProviderMetadata], keys: KeyCache, max_size: int
    ) -> None:
        self.metadata = metadata
        self.keys = keys
        self.max_size = max_size
        self._headers = HeaderReader()

    def verified(
        self,
        token: object,
        types: frozenset[str | None],
        kind: str,
        now: float,
        max_size: int | None = None,
    ) -> Flow[tuple[dict[str, Any], JwsAlgorithm]]:
        """The claims of ``token`` (and its algorithm) once its size, header, type,
        algorithm and signature are checked, in that order."""
        jws = split(token, max_size or self.max_size)
        header = self._headers.read(jws.header_segment)
        check_type(header, types, kind)
        metadata = self.metadata.fresh(now)
        if metadata is None:
            metadata = yield from self.metadata.current()
        alg = algorithm(header, metadata.algorithms)
        key = self.keys.fresh_key(header.kid, now)
        if key is None:
            key = yield from self.keys.key(header.kid)
        verify(jws, key, alg)
        return payload(jws), alg
