"""Status-list indexes for access tokens, handed out from memory.

Each node leases blocks of BLOCK_SIZE indexes of a status list from the database, a
block at a random place in the list, and hands out the indexes of a block in a random
order, so an index says nothing of when or where its token was issued
(draft-ietf-oauth-status-list-20 §12.5.1). Issuing a token only takes an index and
notes what it was issued for; the node's cache refresher writes those notes in
batches (``flush``), renews the node's leases and leases the next block before the
current one runs out.

A block is closed once all its indexes were handed out and recorded. In a block whose
lease ran out before it was closed (its node died, or lost the database for longer
than the lease) every index that was not recorded is published as INVALID: the node
may have issued it, and a status list must not call such a token valid; nothing is
recorded in it after that, so those indexes stay INVALID. The
node itself stops handing out a block's indexes when half its lease has passed
without a renewal, so a lease never runs out under a token still being issued.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from idp.errors import TemporarilyUnavailableError
from idp.revocation.status_list import IssuedEntry

BLOCK_SIZE = 1024
SPARE_BLOCKS = 1  # leased ahead, so issuing never waits for a lease
LEASE_AHEAD = 4  # flushes' worth of indexes, at the last flush's rate, kept leased
log = logging.getLogger("idp.status_lists")


@dataclass(frozen=True)
class BlockRef:
    list_id: int
    block: int

    @property
    def indexes(self) -> range:
        return range(self.block * BLOCK_SIZE, (self.block + 1) * BLOCK_SIZE)


class StatusBlockStore(Protocol):
    def lease_status_blocks(
        self, holder: str, count: int, list_size: int, now: int, lease: int
    ) -> list[BlockRef]:
        """``count`` blocks no node ever held, at random in the oldest list with room (a
        new list when none has), so lists fill one after another."""
        ...

    def record_status_entries(self, entries: list[IssuedEntry], now: int) -> None:
        """Idempotent: an entry already recorded is left as it is. Entries of a block
        whose lease has run out are not recorded."""
        ...

    def renew_status_blocks(self, holder: str, now: int, lease: int) -> set[BlockRef]:
        """Extend the leases ``holder`` still has (those not run out or closed); the
        blocks they are for."""
        ...

    def close_status_blocks(self, holder: str, blocks: list[BlockRef], now: int) -> None:
        """Closes the blocks whose lease has not run out."""
        ...


class NoStatusIndexError(TemporarilyUnavailableError):
    """No leased block has an index left: the database has been out of reach for long."""


@dataclass
class _Lease:
    ref: BlockRef
    renewed_at: float  # self._monotonic()
    unused: list[int] = field(default_factory=list)


class StatusIndexes:
    def __init__(
        self,
        transaction: Callable[[], AbstractContextManager[StatusBlockStore]],
        *,
        list_size: int,
        lease: int,
        now: Callable[[], int],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._transaction = transaction
        self._monotonic = monotonic
        self._list_size = list_size
        self._lease = lease
        self._now = now
        self.holder = secrets.token_hex(16)  # this process, in the blocks it leases
        self._leases: list[_Lease] = []
        self._pending: list[IssuedEntry] = []
        self._lock = threading.Lock()  # the in-memory state; held for microseconds
        self._flushing = threading.Lock()  # one flush at a time
        self._renewed_at = float("-inf")

    def allocate(
        self,
        *,
        jti: str,
        sid: str | None,
        subject: str,
        client_id: str,
        issued_at: int,
        expires_at: int,
    ) -> tuple[int, int]:
        """(list id, index) for a new access token, from memory."""
        usable_after = self._monotonic() - self._lease / 2
        with self._lock:
            lease = next(
                (held for held in self._leases if held.unused and held.renewed_at > usable_after),
                None,
            )
            if lease is None:
                raise NoStatusIndexError("no status-list index is available")
            idx = lease.unused.pop()
            entry = IssuedEntry(
                lease.ref.list_id, idx, jti, sid, subject, client_id, issued_at, expires_at
            )
            self._pending.append(entry)
        return entry.list_id, idx

    def flush(self) -> None:
        """Record what was issued, renew the leases, close the used-up blocks and lease
        ahead; in one transaction. What could not be written is kept for the next try."""
        with self._flushing:
            with self._lock:
                pending, self._pending = self._pending, []
                used_up = [held.ref for held in self._leases if not held.unused]
            try:
                self._write(pending, used_up)
            except Exception:
                with self._lock:
                    self._pending[:0] = pending
                raise

    def close(self) -> None:
        """At shutdown: record what was issued and close every block, so none lapses."""
        with self._flushing, self._lock:
            pending, self._pending = self._pending, []
            refs = [held.ref for held in self._leases]
            self._leases = []
        with self._transaction() as store:
            store.record_status_entries(pending, self._now())
            store.close_status_blocks(self.holder, refs, self._now())

    def _write(self, pending: list[IssuedEntry], used_up: list[BlockRef]) -> None:
        now = self._now()
        started = self._monotonic()
        renew = started - self._renewed_at > self._lease / 4
        with self._lock:
            room = {held.ref: len(held.unused) for held in self._leases if held.unused}
        # Enough indexes for LEASE_AHEAD flushes at the rate of the last one.
        wanted = max(BLOCK_SIZE * (SPARE_BLOCKS + 1), LEASE_AHEAD * len(pending))
        if not (pending or used_up or renew or sum(room.values()) < wanted):
            return
        with self._transaction() as store:
            store.record_status_entries(pending, now)
            store.close_status_blocks(self.holder, used_up, now)
            held = store.renew_status_blocks(self.holder, now, self._lease) if renew else None
            left = sum(count for ref, count in room.items() if held is None or ref in held)
            missing = max(0, -(-(wanted - left) // BLOCK_SIZE))
            leased = (
                store.lease_status_blocks(self.holder, missing, self._list_size, now, self._lease)
                if missing
                else []
            )
        self._settle(used_up, held, leased, started)

    def _settle(
        self,
        used_up: list[BlockRef],
        held: set[BlockRef] | None,
        leased: list[BlockRef],
        renewed_at: float,
    ) -> None:
        with self._lock:
            kept = [lease for lease in self._leases if lease.ref not in used_up]
            if held is not None:
                lost = [lease.ref for lease in kept if lease.ref not in held]
                if lost:
                    log.warning("status-list leases ran out, taking new blocks: %s", lost)
                kept = [lease for lease in kept if lease.ref in held]
                for lease in kept:
                    lease.renewed_at = renewed_at
                self._renewed_at = renewed_at
            self._leases = kept + [_Lease(ref, renewed_at, _shuffled(ref)) for ref in leased]


def _shuffled(ref: BlockRef) -> list[int]:
    indexes = list(ref.indexes)
    secrets.SystemRandom().shuffle(indexes)
    return indexes
