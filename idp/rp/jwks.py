"""The provider's signing keys by ``kid``, from the JWKS its discovery document names.

The JWKS is kept as HTTP caching allows (idp.rp.caching). A ``kid`` that is not in it
makes one caller fetch it again, and every caller meanwhile wait for that fetch; then
no other such refetch for ``refetch_interval`` seconds, so a flood of tokens with made-up
kids costs the provider one request per interval. Tessera publishes a key before it
signs with it (for longer than the JWKS max-age), so rotation needs no refetch at all.
"""

from __future__ import annotations

import math

from idp.rp.caching import CachedDocument, Clock
from idp.rp.discovery import ProviderMetadata
from idp.rp.errors import ProviderUnavailable, UnknownKey
from idp.rp.flow import Flow, HttpRequest
from idp.rp.keys import KeySet, VerificationKey, parse_jwks

JWK_SET = "application/jwk-set+json, application/json"  # RFC 7517 §8.5


class KeyCache:
    def __init__(
        self, metadata: CachedDocument[ProviderMetadata], clock: Clock, refetch_interval: float
    ) -> None:
        self.document: CachedDocument[KeySet] = CachedDocument(
            "JWKS", self._request, parse_jwks, clock
        )
        self._metadata = metadata
        self._clock = clock
        self._refetch_interval = refetch_interval
        self._refetched_at = -math.inf

    def fresh_key(self, kid: str, now: float) -> VerificationKey | None:
        """The key, from a fresh copy of the JWKS, if it is there: the hot path."""
        keys = self.document.fresh(now)
        return keys.get(kid) if keys is not None else None

    def key(self, kid: str) -> Flow[VerificationKey]:
        yield from self._metadata.current()
        keys = yield from self.document.current()
        key = keys.get(kid)
        if key is None:
            key = yield from self._refetched(kid)
        return key

    def _refetched(self, kid: str) -> Flow[VerificationKey]:
        """Fetch the JWKS again unless that was done within the interval; either way
        after the fetch in flight, if any, which may bring the key."""
        now = self._clock()
        due = now - self._refetched_at >= self._refetch_interval
        if due:
            self._refetched_at = now
        yield from self.document.refetch(fetch=due)
        key = (self.document.value or {}).get(kid)
        if key is not None:
            return key
        if due and self.document.failed:
            raise ProviderUnavailable("the provider's JWKS could not be fetched again")
        raise UnknownKey("no key of the provider's JWKS has the token's kid")

    def _request(self) -> HttpRequest:
        metadata = self._metadata.value
        if metadata is None:
            raise ProviderUnavailable("the provider's discovery document is not loaded")
        return HttpRequest(metadata.jwks_uri, "JWKS", headers={"Accept": JWK_SET})
