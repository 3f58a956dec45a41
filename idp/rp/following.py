"""Following the provider's revocations: the state (idp.rp.revocation), what feeds it
in the background (the status lists' loop; the event stream's, given a receiver's
client credentials), and the check each token goes through."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from idp.rp.caching import CachedDocument, Clock
from idp.rp.discovery import ProviderMetadata
from idp.rp.flow import Flow, Sleep
from idp.rp.revocation import OnStale, RevocationState
from idp.rp.status_lists import StatusLists, status_reference
from idp.rp.stream import EventStream
from idp.rp.verifier import JwtVerifier

DEFAULT_MAX_STALENESS = 300.0  # s, as Tessera's own IDP_CACHE_MAX_STALENESS
MAX_READ_TIMEOUT = 60.0  # s without a byte (Tessera's heartbeat: 15 s) before reconnecting
POLL = 0.05  # s, while waiting until the state is current
RESTART_AFTER = 5.0  # s, after a loop failed unexpectedly (a bug: logged)


@dataclass(frozen=True)
class FollowOptions:
    client_id: str | None = None
    client_secret: str | None = None
    stream_id: str | None = None
    last_event_id: str | None = None
    status_lists: bool = True
    max_staleness: float = DEFAULT_MAX_STALENESS
    on_stale: OnStale = "reject"

    def __post_init__(self) -> None:
        if (self.client_id is None) != (self.client_secret is None):
            raise ValueError("the event stream needs both client_id and client_secret")
        if self.client_id is None and not self.status_lists:
            raise ValueError("follow the status lists, the event stream, or both")
        if self.max_staleness <= 0:
            raise ValueError("max_staleness must be positive")
        if self.on_stale not in ("reject", "accept"):
            raise ValueError("on_stale is 'reject' or 'accept'")


class Following:
    def __init__(
        self,
        options: FollowOptions,
        *,
        issuer: str,
        metadata: CachedDocument[ProviderMetadata],
        verifier: JwtVerifier,
        clock: Clock,
        leeway: float,
    ) -> None:
        self.lists = (
            StatusLists(issuer, metadata, verifier, clock, options.max_staleness)
            if options.status_lists
            else None
        )
        self.state = RevocationState(
            lists=self.lists,
            follows_events=options.client_id is not None,
            max_staleness=options.max_staleness,
            on_stale=options.on_stale,
            leeway=leeway,
        )
        self.stream = (
            EventStream(
                issuer=issuer,
                client_id=options.client_id,
                client_secret=options.client_secret,
                stream_id=options.stream_id,
                last_event_id=options.last_event_id,
                metadata=metadata,
                verifier=verifier,
                state=self.state,
                clock=clock,
                read_timeout=min(MAX_READ_TIMEOUT, options.max_staleness / 2),
            )
            if options.client_id is not None and options.client_secret is not None
            else None
        )
        self._clock = clock

    def loops(self) -> list[Callable[[], Flow[None]]]:
        """The loops to run until stopped, one thread or task each (started again if
        one fails)."""
        loops = [self.lists.follow] if self.lists is not None else []
        return loops + ([self.stream.follow] if self.stream is not None else [])

    def check(self, claims: Mapping[str, Any], now: float) -> Flow[None]:
        """The token's revocation check; the first token that names a status list
        fetches it."""
        reference = status_reference(claims) if self.lists is not None else None
        if (
            reference is not None
            and self.lists is not None
            and reference[0] not in self.lists.lists
        ):
            yield from self.lists.first_fetch(reference[0])
        self.state.check(claims, reference, now)

    def current(self) -> bool:
        now = self._clock()
        lists_current = self.lists is None or self.lists.current(now)
        return lists_current and (self.stream is None or self.state.stream_current(now))

    def until_current(self, timeout: float) -> Flow[bool]:
        """Whether every source followed is current within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not self.current():
            if time.monotonic() >= deadline or (yield Sleep(POLL)):
                return False
        return True


class FollowerView:
    """What both followers (threads, tasks) tell of the stream they read."""

    def __init__(self, following: Following) -> None:
        self._following = following

    @property
    def stream_id(self) -> str | None:
        return self._following.stream.stream_id if self._following.stream else None

    @property
    def last_event_id(self) -> str | None:
        """The id of the last event applied: pass it to ``follow_revocations`` after a
        restart to resume there rather than at the stream's start."""
        return self._following.stream.last_event_id if self._following.stream else None
