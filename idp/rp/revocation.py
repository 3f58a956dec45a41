"""What the SDK knows was taken back, in memory, and the per-token check against it.

Two sources feed it: the token status lists (idp.rp.status_lists), complete for access
tokens but as old as their last fetch, and the security event stream
(idp.rp.events), which names revoked tokens (``jti``), ended sessions (``sid``),
subjects whose tokens up to a time are revoked, and suspended subjects, within
milliseconds. A token is checked against both; the check is *current* when at least
one source that covers the token (its status list, if it has a ``status`` claim; the
stream, for any token) was confirmed within ``max_staleness`` seconds. When none was,
the token is refused (``StaleRevocationState``), or with ``on_stale="accept"``
accepted with a logged warning.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any, Literal

from idp.rp.errors import RevokedToken, StaleRevocationState, SuspendedToken
from idp.rp.status_lists import SUSPENDED, VALID, StatusLists

log = logging.getLogger("idp.rp")

OnStale = Literal["reject", "accept"]
# Tessera issues no access or ID token that lives longer (idp.revocation.records), so an
# event about tokens issued before it is forgotten this long after.
MAX_TOKEN_LIFETIME = 86400.0
PRUNE_EVERY = 60.0  # s
WARN_EVERY = 60.0  # s between warnings that stale state was accepted


class RevocationState:
    def __init__(
        self,
        *,
        lists: StatusLists | None,
        follows_events: bool,
        max_staleness: float,
        on_stale: OnStale,
        leeway: float,
    ) -> None:
        self.lists = lists
        self.follows_events = follows_events
        self.max_staleness = max_staleness
        self.on_stale = on_stale
        # From the event stream: value -> when it was taken back.
        self.jtis: dict[str, float] = {}
        self.sids: dict[str, float] = {}
        self.subjects: dict[str, float] = {}  # every token issued up to then
        self.suspended: set[str] = set()
        self.stream_heard_at = -math.inf
        self.stream_enabled = True  # SSF 1.0 §8.1.5: a paused or disabled stream says nothing
        self._keep = MAX_TOKEN_LIFETIME + leeway
        self._pruned_at = -math.inf
        self._warned_at = -math.inf

    def check(
        self, claims: Mapping[str, Any], reference: tuple[str, int] | None, now: float
    ) -> None:
        covered = fresh = False
        if self.lists is not None and reference is not None:
            covered = True
            fresh = self._check_status(self.lists, reference, now)
        if self.follows_events:
            covered = True
            self._check_events(claims)
            fresh = fresh or self.stream_current(now)
        if covered and not fresh:
            self._stale(now)

    def stream_current(self, now: float) -> bool:
        return self.stream_enabled and now - self.stream_heard_at <= self.max_staleness

    def _check_status(self, lists: StatusLists, reference: tuple[str, int], now: float) -> bool:
        """draft-ietf-oauth-status-list-20 §8.3; whether the list is current."""
        uri, idx = reference
        tracked = lists.lists.get(uri)
        status_list = tracked.usable(now) if tracked is not None else None
        if tracked is None or status_list is None:
            return False
        status = status_list.status(idx)
        if status == SUSPENDED:
            raise SuspendedToken("the token is suspended (its status list)")
        if status != VALID:  # INVALID, and the application-specific ones: fail closed
            raise RevokedToken("the token is revoked (its status list)")
        return now - tracked.fetched_at <= self.max_staleness

    def _check_events(self, claims: Mapping[str, Any]) -> None:
        jti, sid, sub = claims.get("jti"), claims.get("sid"), claims.get("sub")
        if isinstance(jti, str) and jti in self.jtis:
            raise RevokedToken("the token is revoked (token-revoked)")
        if isinstance(sid, str) and sid in self.sids:
            raise RevokedToken("the token's session has ended (session-revoked)")
        if isinstance(sub, str):
            revoked_until = self.subjects.get(sub)
            issued_at = claims.get("iat")
            if revoked_until is not None and (
                not isinstance(issued_at, int | float) or issued_at <= revoked_until
            ):
                raise RevokedToken("the subject's tokens up to a time are revoked")
            if sub in self.suspended:
                raise SuspendedToken("the subject's account is disabled (account-disabled)")

    def _stale(self, now: float) -> None:
        message = f"no revocation information newer than {self.max_staleness:g} s"
        if self.on_stale == "reject":
            raise StaleRevocationState(message)
        if now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            log.warning("accepting tokens with %s (on_stale='accept')", message)

    # What the event stream says (idp.rp.events).

    def heard_from_stream(self, now: float) -> None:
        self.stream_heard_at = now

    def revoke_jti(self, jti: str, at: float, now: float) -> None:
        self._record(self.jtis, jti, at, now)

    def revoke_sid(self, sid: str, at: float, now: float) -> None:
        self._record(self.sids, sid, at, now)

    def revoke_subject(self, sub: str, until: float, now: float) -> None:
        self._record(self.subjects, sub, max(until, self.subjects.get(sub, until)), now)

    def suspend_subject(self, sub: str) -> None:
        self.suspended.add(sub)

    def resume_subject(self, sub: str) -> None:
        self.suspended.discard(sub)

    def _record(self, entries: dict[str, float], value: str, at: float, now: float) -> None:
        """Unless no live token can carry it any more; and once a minute, forget what
        no live token can carry."""
        horizon = now - self._keep
        if at >= horizon:
            entries[value] = at
        if now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            for held in (self.jtis, self.sids, self.subjects):
                for old in [old for old, when in held.items() if when < horizon]:
                    del held[old]
