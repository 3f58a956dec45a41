"""The client credentials grant (RFC 6749 §4.4) for service-to-service calls: the
service's own access token, narrowed to ``scope`` and to a ``resource`` (RFC 8707) when
given, held and reused until ``refresh_before`` seconds (at most half its lifetime)
before it expires.

One request at a time (single-flight). Without a usable token every caller waits for
the request in flight and takes its outcome, the token or the failure. In the refresh
window (a token held, not yet expired) one caller asks for the next token while the
others go on with the one held. If the provider cannot be reached, the token held serves
until it expires (the failure logged), the provider asked again ``RETRY_AFTER``
seconds later; a refusal (``TokenRequestFailed``) is raised to the caller that asked,
and not logged. An expired token is never handed out."""

from __future__ import annotations

import hmac
import logging
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from idp.rp.caching import CachedDocument, Clock
from idp.rp.discovery import ProviderMetadata
from idp.rp.errors import ProviderUnavailable, TokenRequestFailed
from idp.rp.flow import Exclusive, Flow
from idp.rp.token_endpoint import (
    ClientAuthentication,
    access_token_of,
    expires_in_of,
    post_token_request,
    scope_parameter,
    token_type_of,
)

log = logging.getLogger("idp.rp")

PURPOSE = "client credentials token response"
DEFAULT_REFRESH_BEFORE = 60.0  # s before a token expires that the next one is asked for
REFRESH_FRACTION = 0.5  # of a token's lifetime, when that is less than refresh_before
RETRY_AFTER = 5.0  # s between refresh attempts while a held token still serves


@dataclass(frozen=True, slots=True)
class HeldToken:
    value: str = field(repr=False)
    refresh_at: float
    expires_at: float


class TokenCache:
    def __init__(
        self,
        client: ClientAuthentication,
        *,
        scope: str | Iterable[str] | None,
        resource: str | None,
        refresh_before: float,
        metadata: CachedDocument[ProviderMetadata],
        clock: Clock,
    ) -> None:
        if not refresh_before >= 0:
            raise ValueError("refresh_before must be zero or more seconds")
        self.client = client
        self._form = {"grant_type": "client_credentials"}
        if scope is not None:
            self._form["scope"] = scope_parameter(scope)
        if resource is not None:
            self._form["resource"] = resource  # RFC 8707 §2.1
        self._refresh_before = refresh_before
        self._metadata = metadata
        self._clock = clock
        self._lock = f"client credentials {uuid.uuid4().hex}"
        self._held: HeldToken | None = None
        self._failure: ProviderUnavailable | TokenRequestFailed | None = None
        self._generation = 0  # requests completed, failed or not
        self._retry_at = -math.inf

    def access_token(self) -> Flow[str]:
        now = self._clock()
        held = self._usable(now)
        if held is None:
            token: str = yield Exclusive(self._lock, self._request(self._generation))
            return token
        if now >= held.refresh_at and now >= self._retry_at:
            refresh = self._request(self._generation)
            try:
                refreshed = yield Exclusive(self._lock, refresh, wait=False)
            except ProviderUnavailable as exc:  # the held token serves: only logged
                log.warning("a client credentials token for %s: %s", self.client.client_id, exc)
                return held.value
            return refreshed or held.value
        return held.value

    def invalidate(self, token: str) -> None:
        """Forget ``token`` if it is the one held (the API refused it): the next call
        asks for a new one. A token held since is kept."""
        held = self._held
        if held is not None and hmac.compare_digest(held.value.encode(), token.encode()):
            self._held = None

    def _usable(self, now: float) -> HeldToken | None:
        held = self._held
        return held if held is not None and now < held.expires_at else None

    def _request(self, seen: int) -> Flow[str]:
        """RFC 6749 §4.4.2; a caller that waited for another's request takes its outcome."""
        if self._generation != seen:
            held = self._usable(self._clock())
            if held is not None:
                return held.value
            if self._failure is not None:
                raise _again(self._failure)
        started = self._clock()
        try:
            answer = yield from post_token_request(self._metadata, self.client, self._form, PURPOSE)
            held = self._held = self._read(answer, started)
            self._failure = None
        except (ProviderUnavailable, TokenRequestFailed) as exc:
            self._failure, self._retry_at = exc, self._clock() + RETRY_AFTER
            raise
        finally:
            self._generation += 1
        return held.value

    def _read(self, answer: dict[str, Any], started: float) -> HeldToken:
        """RFC 6749 §4.4.3, §5.1; its lifetime counted from before the request."""
        token = access_token_of(answer, PURPOSE)
        token_type_of(answer, PURPOSE, ("Bearer",))  # RFC 6750 §4: the one type usable here
        lifetime = expires_in_of(answer, PURPOSE)
        if lifetime is None:  # RECOMMENDED by §5.1; needed to know when to refresh
            raise ProviderUnavailable(f"the {PURPOSE}: no expires_in")
        margin = min(self._refresh_before, lifetime * REFRESH_FRACTION)
        return HeldToken(token, started + lifetime - margin, started + lifetime)


class ServiceTokenView:
    """What both (threads, asyncio) handles on a TokenCache share."""

    def __init__(self, cache: TokenCache) -> None:
        self._cache = cache

    @property
    def client_id(self) -> str:
        return self._cache.client.client_id

    def invalidate(self, token: str) -> None:
        """Forget ``token`` if it is the one held, after the API it was sent to refused
        it (401): the next ``access_token()`` asks for a new one."""
        self._cache.invalidate(token)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(client_id={self.client_id!r})"


def _again(
    failure: ProviderUnavailable | TokenRequestFailed,
) -> ProviderUnavailable | TokenRequestFailed:
    """The failure of the request this caller waited for, as its own exception."""
    if isinstance(failure, TokenRequestFailed):
        return TokenRequestFailed(failure.error, failure.description)
    return ProviderUnavailable(str(failure))
