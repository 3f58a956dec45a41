"""Token status lists (draft-ietf-oauth-status-list-20), as a relying party follows
them: each list an access token's ``status`` claim names (§6.2) is fetched once when a
token first names it, then again in the background every ``ttl`` (§5.1; sooner if
``max_staleness`` asks), conditionally (``If-None-Match``). A list is held decompressed,
so a token's status is one byte lookup."""

from __future__ import annotations

import logging
import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from idp.rp.caching import RETRY_AFTER as PREFETCH_RETRY
from idp.rp.caching import CachedDocument, Clock, entity_tag
from idp.rp.discovery import ProviderMetadata, same_origin
from idp.rp.errors import InvalidClaims, MalformedToken, ProviderUnavailable, TokenError
from idp.rp.flow import Exclusive, Flow, HttpRequest, HttpResponse, Sleep
from idp.rp.jws import b64url_decode
from idp.rp.strict_json import InvalidJson, loads_object
from idp.rp.validation import STATUS_LIST_TYPES
from idp.rp.verifier import JwtVerifier

log = logging.getLogger("idp.rp")

MEDIA_TYPE = "application/statuslist+jwt"  # §8.2
BITS = frozenset({1, 2, 4, 8})  # §4.1
VALID, INVALID, SUSPENDED = 0, 1, 2  # §7.1
MAX_LISTS = 64
MAX_LIST_BYTES = 1 << 22  # decompressed: 16 million two-bit statuses
MAX_TOKEN_BYTES = 1 << 23
DEFAULT_TTL = 300.0  # s, for a list without ttl
MIN_INTERVAL, MAX_INTERVAL = 1.0, 3600.0
TICK = 1.0  # s: the longest the background loop sleeps (it notices clock jumps)


@dataclass(frozen=True, slots=True)
class StatusList:
    bits: int
    data: bytes

    def status(self, idx: int) -> int:
        """§4.1: index i is the bits ``bits * i`` and up, least significant first."""
        position = idx * self.bits
        byte = position >> 3
        if byte >= len(self.data):
            raise MalformedToken("the token's status index is beyond its status list")
        return (self.data[byte] >> (position & 7)) & ((1 << self.bits) - 1)


@dataclass(slots=True)
class TrackedList:
    uri: str
    current: StatusList | None = None
    expires_at: float = math.inf  # the Status List Token's exp: never used past it
    etag: str | None = None
    ttl: float = DEFAULT_TTL
    fetched_at: float = -math.inf  # when the provider last confirmed it (200 or 304)
    due: float = -math.inf  # when to fetch it next
    failures: int = 0

    def usable(self, now: float) -> StatusList | None:
        return self.current if now < self.expires_at else None


def status_reference(claims: Mapping[str, Any]) -> tuple[str, int] | None:
    """§6.2: ``status.status_list`` with ``uri`` and ``idx``; None without ``status``."""
    status = claims.get("status")
    if status is None:
        return None
    reference = status.get("status_list") if isinstance(status, dict) else None
    uri = reference.get("uri") if isinstance(reference, dict) else None
    idx = reference.get("idx") if isinstance(reference, dict) else None
    if not isinstance(uri, str) or type(idx) is not int or idx < 0:
        raise InvalidClaims("the token's status claim has no status list uri and idx")
    return uri, idx


def read_status_list(
    claims: Mapping[str, Any], uri: str, issuer: str, now: float
) -> tuple[StatusList, float, float]:
    """§5.1 and §8.3: the list names itself (``sub``), is the issuer's, has not expired;
    ``lst`` ZLIB-compressed (RFC 1950), decompressed within MAX_LIST_BYTES. The list,
    its ``exp`` and its ``ttl``."""
    if claims.get("sub") != uri or claims.get("iss", issuer) != issuer:
        raise ProviderUnavailable("a status list names another list or issuer")
    exp, ttl = claims.get("exp", math.inf), claims.get("ttl", DEFAULT_TTL)
    if not _is_number(exp) or exp <= now or not _is_number(ttl) or ttl <= 0:
        raise ProviderUnavailable("a status list has expired, or has no valid exp or ttl")
    status_list = claims.get("status_list")
    bits = status_list.get("bits") if isinstance(status_list, dict) else None
    lst = status_list.get("lst") if isinstance(status_list, dict) else None
    if not isinstance(bits, int) or bits not in BITS or not isinstance(lst, str):
        raise ProviderUnavailable("a status list has no bits and lst")
    return StatusList(bits, _decompressed(lst)), exp, ttl


def _decompressed(lst: str) -> bytes:
    try:
        decompressor = zlib.decompressobj()
        data = decompressor.decompress(b64url_decode(lst), MAX_LIST_BYTES)
    except (MalformedToken, zlib.error):
        raise ProviderUnavailable("a status list's lst is not ZLIB in base64url") from None
    if decompressor.unconsumed_tail or not decompressor.eof:
        raise ProviderUnavailable("a status list's lst is truncated or too large")
    return data


def _is_number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float)


class StatusLists:
    """The lists the SDK holds, by URI: only the issuer's (same origin), at most
    MAX_LISTS of them."""

    def __init__(
        self,
        issuer: str,
        metadata: CachedDocument[ProviderMetadata],
        verifier: JwtVerifier,
        clock: Clock,
        max_staleness: float,
    ) -> None:
        self.lists: dict[str, TrackedList] = {}
        self.prefetched = False  # the aggregation endpoint was read (§9.3)
        self._issuer = issuer
        self._metadata = metadata
        self._verifier = verifier
        self._clock = clock
        self._max_staleness = max_staleness
        self._prefetch_due = -math.inf

    def first_fetch(self, uri: str) -> Flow[None]:
        """A token names a list the SDK does not hold: fetch it now, in the caller's
        path (once; the background retries it if that fails)."""
        if len(self.lists) >= MAX_LISTS or not same_origin(uri, self._issuer):
            return
        tracked = self.lists.setdefault(uri, TrackedList(uri))
        yield Exclusive(f"status list {uri}", self._fetch(tracked))

    def follow(self) -> Flow[None]:
        """The background loop: fetch what is due, until the run is asked to stop."""
        while True:
            if not self.prefetched and self._clock() >= self._prefetch_due:
                yield from self._prefetch()
            for tracked in list(self.lists.values()):
                yield Exclusive(f"status list {tracked.uri}", self._fetch(tracked))
            if (yield Sleep(self._until_due())):
                return

    def current(self, now: float) -> bool:
        """Every list held was confirmed within max_staleness (and the aggregation
        read): what ``wait_until_current`` waits for."""
        held = list(self.lists.values())  # a copy: request threads may add to it
        return self.prefetched and all(
            now - tracked.fetched_at <= self._max_staleness for tracked in held
        )

    def _until_due(self) -> float:
        now = self._clock()
        due = min((tracked.due for tracked in list(self.lists.values())), default=now + TICK)
        return min(max(due - now, 0.0), TICK)

    def _prefetch(self) -> Flow[None]:
        """§9.3: the aggregation endpoint lists every list of the issuer, fetched ahead
        of the first token that names one."""
        try:
            metadata = yield from self._metadata.current()
            endpoint = metadata.status_list_aggregation_endpoint
            if endpoint is not None:
                response = yield HttpRequest(endpoint, "status list aggregation")
                for uri in _aggregated(response)[:MAX_LISTS]:
                    if same_origin(uri, self._issuer) and len(self.lists) < MAX_LISTS:
                        self.lists.setdefault(uri, TrackedList(uri))
            self.prefetched = True
        except ProviderUnavailable as exc:
            log.warning("%s", exc)
            self._prefetch_due = self._clock() + PREFETCH_RETRY

    def _fetch(self, tracked: TrackedList) -> Flow[None]:
        """One conditional GET if the list is due (another caller may have just fetched
        it); a failure keeps the copy and backs off until the list's interval."""
        now = self._clock()
        if now < tracked.due:
            return
        headers = {"Accept": MEDIA_TYPE}
        if tracked.etag is not None and tracked.current is not None:
            headers["If-None-Match"] = tracked.etag
        request = HttpRequest(
            tracked.uri, "status list", headers=headers, max_bytes=MAX_TOKEN_BYTES
        )
        try:
            response = yield request
            yield from self._apply(tracked, response, now)
        except ProviderUnavailable as exc:
            log.warning("%s", exc)
            tracked.failures += 1
            tracked.due = now + min(2.0**tracked.failures, self._interval(tracked.ttl))
            return
        tracked.failures = 0
        tracked.fetched_at = now
        tracked.due = now + self._interval(tracked.ttl)

    def _apply(self, tracked: TrackedList, response: HttpResponse, now: float) -> Flow[None]:
        if response.status == 304 and tracked.current is not None:  # RFC 9110 §15.4.5
            return
        if response.status == 404:  # pruned: every token it covered has expired
            self.lists.pop(tracked.uri, None)
        if response.status != 200:
            raise ProviderUnavailable(f"a status list: HTTP {response.status}")
        try:
            claims, _ = yield from self._verifier.verified(
                response.body.decode("ascii", "replace"),
                STATUS_LIST_TYPES,
                "a status list",
                now,
                max_size=MAX_TOKEN_BYTES,
            )
        except ProviderUnavailable:
            raise
        except TokenError as exc:
            raise ProviderUnavailable(f"a status list does not verify ({exc})") from None
        tracked.current, tracked.expires_at, tracked.ttl = read_status_list(
            claims, tracked.uri, self._issuer, now
        )
        tracked.etag = entity_tag(response.headers)

    def _interval(self, ttl: float) -> float:
        """§5.1: ``ttl``; half of max_staleness if that is less, so one failed fetch
        does not make the state stale."""
        return min(max(min(ttl, self._max_staleness / 2), MIN_INTERVAL), MAX_INTERVAL)


def _aggregated(response: HttpResponse) -> list[str]:
    if response.status != 200:
        raise ProviderUnavailable(f"the status list aggregation: HTTP {response.status}")
    try:
        uris = loads_object(response.body).get("status_lists")
    except InvalidJson:
        uris = None
    if not isinstance(uris, list):
        raise ProviderUnavailable("the status list aggregation has no status_lists")
    return [uri for uri in uris if isinstance(uri, str)]
