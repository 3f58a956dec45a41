"""Building, signing and caching the Status List Tokens a node serves.

A list is built from what its indexes were issued for (read from the database) and the
records in memory, once for many requests: a built list is served again while it is
younger than REBUILD_AFTER seconds, and while it is younger than REFRESH_AFTER seconds
if no revocation or suspension this node knows of has changed since (the entries other
nodes record in the meantime are what the second bound waits for). Before building,
the node records its own pending entries, so a token it has just issued is in the list
it serves. One build at a time; a signed token is reused while its statuses
are unchanged and it is far from its ``exp``, so an unchanged list keeps its ETag.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from idp.keys.jws import JwtSigner
from idp.keys.signing import Algorithm
from idp.revocation.status_indexes import StatusIndexes
from idp.revocation.status_list import (
    STATUS_LIST_TYPE,
    Row,
    TakenBack,
    encode,
    status_list_claims,
    status_list_uri,
)

REBUILD_AFTER = 1.0  # s
REFRESH_AFTER = 5.0  # s


@dataclass(frozen=True)
class StoredList:
    size: int
    lapsed: list[range]
    entries: Iterator[Row]  # read while the transaction is open


class StatusListReader(Protocol):
    def status_list_exists(self, list_id: int) -> bool: ...

    def read_status_list(self, list_id: int, now: int) -> StoredList | None: ...

    def live_status_lists(self) -> list[int]: ...


@dataclass(frozen=True)
class PublishedList:
    token: str
    etag: str
    lst: str
    expires_at: int
    built_at: float  # time.monotonic(), when the build ended
    build_seconds: float
    inputs: tuple[int, ...]  # the versions of what it was derived from, before the build


class StatusListPublisher:
    def __init__(
        self,
        reading: Callable[[], AbstractContextManager[StatusListReader]],
        indexes: StatusIndexes,
        signer: JwtSigner,
        taken_back: Callable[[int], TakenBack],
        inputs: Callable[[], tuple[int, ...]],
        *,
        issuer: str,
        ttl: int,
    ) -> None:
        self._reading = reading
        self._indexes = indexes
        self._signer = signer
        self._taken_back = taken_back
        self._inputs = inputs
        self._issuer = issuer
        self.ttl = ttl
        self._validity = 10 * ttl
        self._published: dict[int, PublishedList] = {}
        self._building: dict[int, threading.Lock] = {}  # one per list that exists
        self._lock = threading.Lock()

    def uri(self, list_id: int) -> str:
        return status_list_uri(self._issuer, list_id)

    def published(self, list_id: int, now: int) -> PublishedList | None:
        """The Status List Token of ``list_id``, or None if there is no such list (any
        more: a list goes once every token it covers has expired)."""
        cached = self._published.get(list_id)
        if cached is not None and self._fresh(cached):
            return cached
        if cached is None:
            with self._reading() as store:
                if not store.status_list_exists(list_id):
                    return None
        with self._lock:
            building = self._building.setdefault(list_id, threading.Lock())
        with building:
            cached = self._published.get(list_id)
            if cached is not None and self._fresh(cached):
                return cached
            return self._build(list_id, cached, now)

    def live_lists(self) -> list[str]:
        with self._reading() as store:
            return [self.uri(list_id) for list_id in store.live_status_lists()]

    def _fresh(self, published: PublishedList) -> bool:
        """A list that took long to build is rebuilt less often (at most a fifth of the
        time goes to building it), however often revocations change."""
        age = time.monotonic() - published.built_at
        rebuild_after = max(REBUILD_AFTER, 4 * published.build_seconds)
        refresh_after = max(REFRESH_AFTER, rebuild_after)
        unchanged = published.inputs == self._inputs()
        return age < rebuild_after or (age < refresh_after and unchanged)

    def _build(
        self, list_id: int, previous: PublishedList | None, now: int
    ) -> PublishedList | None:
        started, inputs = time.monotonic(), self._inputs()
        self._indexes.flush()
        taken_back = self._taken_back(now)
        with self._reading() as store:
            stored = store.read_status_list(list_id, now)
            if stored is None:
                self._published.pop(list_id, None)
                return None
            statuses = taken_back.statuses(stored.entries, stored.lapsed)
        lst = encode(stored.size, statuses)
        unchanged = previous is not None and previous.lst == lst
        if previous is not None and unchanged and previous.expires_at - now > self._validity / 2:
            token, expires_at = previous.token, previous.expires_at
        else:
            claims = status_list_claims(
                uri=self.uri(list_id),
                lst=lst,
                issuer=self._issuer,
                now=now,
                ttl=self.ttl,
                validity=self._validity,
            )
            token = self._signer.sign(claims, Algorithm.ES256, typ=STATUS_LIST_TYPE)
            expires_at = claims["exp"]
        etag = '"' + hashlib.sha256(token.encode()).hexdigest()[:32] + '"'
        ended = time.monotonic()
        published = PublishedList(token, etag, lst, expires_at, ended, ended - started, inputs)
        self._published[list_id] = published
        return published
