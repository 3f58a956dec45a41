"""Status lists, their leased blocks and entries, and suspensions (implements
idp.revocation.status_indexes.StatusBlockStore and
idp.revocation.status_publication.StatusListReader)."""

from __future__ import annotations

import json
import secrets
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from idp.errors import TemporarilyUnavailableError
from idp.revocation.status_indexes import BLOCK_SIZE, BlockRef
from idp.revocation.status_list import IssuedEntry, Row
from idp.revocation.status_publication import StoredList
from idp.revocation.suspensions import SuspendedKind, Suspension
from idp.store.database import affected_rows
from idp.store.models import StatusBlockRow, StatusEntryBatchRow, StatusListRow, SuspensionRow

LEASE_ATTEMPTS = 50  # other nodes leasing the same free blocks at the same moment


class StatusListQueries:
    session: Session

    def lease_status_blocks(
        self, holder: str, count: int, list_size: int, now: int, lease: int
    ) -> list[BlockRef]:
        leased: list[BlockRef] = []
        for _ in range(LEASE_ATTEMPTS):
            if len(leased) == count:
                return leased
            status_list = self._list_with_room(list_size, now)
            taken = set(
                self.session.scalars(
                    select(StatusBlockRow.block).where(StatusBlockRow.list_id == status_list.id)
                )
            )
            free = [block for block in range(status_list.size // BLOCK_SIZE) if block not in taken]
            if not free:
                status_list.full = True
                self.session.flush()
                continue
            blocks = secrets.SystemRandom().sample(free, min(count - len(leased), len(free)))
            try:
                with self.session.begin_nested():  # another node may take one first
                    self.session.add_all(
                        StatusBlockRow(
                            list_id=status_list.id,
                            block=block,
                            holder=holder,
                            leased_until=now + lease,
                            closed=False,
                        )
                        for block in blocks
                    )
            except IntegrityError:
                continue
            leased += [BlockRef(status_list.id, block) for block in blocks]
        if len(leased) == count:
            return leased
        raise TemporarilyUnavailableError("no status-list block could be leased")

    def _list_with_room(self, list_size: int, now: int) -> StatusListRow:
        """The oldest list not full, or a new one."""
        status_list = self.session.scalars(
            select(StatusListRow).where(~StatusListRow.full).order_by(StatusListRow.id)
        ).first()
        if status_list is None:
            status_list = StatusListRow(size=list_size, created_at=now, full=False)
            self.session.add(status_list)
            self.session.flush()
        return status_list

    def record_status_entries(self, entries: list[IssuedEntry], now: int) -> None:
        by_block: dict[tuple[int, int], list[IssuedEntry]] = defaultdict(list)
        for entry in self._in_live_blocks(entries, now):
            by_block[entry.list_id, entry.idx // BLOCK_SIZE].append(entry)
        if not by_block:
            return
        # A flush whose commit was reported lost is written again: an index recorded
        # twice is the same token twice, and derives the same status.
        self.session.execute(
            insert(StatusEntryBatchRow),
            [
                {
                    "list_id": list_id,
                    "block": block,
                    "entries": pack_entries(batch),
                    "expires_at": max(entry.expires_at for entry in batch),
                }
                for (list_id, block), batch in by_block.items()
            ],
        )
        last_expiry: dict[int, int] = {}
        for (list_id, _), batch in by_block.items():
            expiry = max(entry.expires_at for entry in batch)
            last_expiry[list_id] = max(last_expiry.get(list_id, 0), expiry)
        for list_id, expiry in last_expiry.items():
            self.session.execute(
                update(StatusListRow)
                .where(StatusListRow.id == list_id, StatusListRow.last_expiry < expiry)
                .values(last_expiry=expiry)
            )

    def _in_live_blocks(self, entries: list[IssuedEntry], now: int) -> list[IssuedEntry]:
        """Entries of blocks whose lease has not run out: a lapsed block is published
        INVALID where nothing was recorded, and must stay so."""
        blocks = {(entry.list_id, entry.idx // BLOCK_SIZE) for entry in entries}
        if not blocks:
            return []
        rows = self.session.execute(
            select(StatusBlockRow.list_id, StatusBlockRow.block).where(
                tuple_(StatusBlockRow.list_id, StatusBlockRow.block).in_(blocks),
                StatusBlockRow.leased_until > now,
            )
        )
        live = {(list_id, block) for list_id, block in rows}
        return [entry for entry in entries if (entry.list_id, entry.idx // BLOCK_SIZE) in live]

    def renew_status_blocks(self, holder: str, now: int, lease: int) -> set[BlockRef]:
        live = (
            StatusBlockRow.holder == holder,
            ~StatusBlockRow.closed,
            StatusBlockRow.leased_until > now,
        )
        self.session.execute(update(StatusBlockRow).where(*live).values(leased_until=now + lease))
        rows = self.session.execute(
            select(StatusBlockRow.list_id, StatusBlockRow.block).where(*live)
        )
        return {BlockRef(list_id, block) for list_id, block in rows}

    def close_status_blocks(self, holder: str, blocks: list[BlockRef], now: int) -> None:
        if not blocks:
            return
        self.session.execute(
            update(StatusBlockRow)
            .where(
                StatusBlockRow.holder == holder,
                StatusBlockRow.leased_until > now,
                tuple_(StatusBlockRow.list_id, StatusBlockRow.block).in_(
                    [(ref.list_id, ref.block) for ref in blocks]
                ),
            )
            .values(closed=True)
        )

    def status_list_exists(self, list_id: int) -> bool:
        return self.session.get(StatusListRow, list_id) is not None

    def read_status_list(self, list_id: int, now: int) -> StoredList | None:
        status_list = self.session.get(StatusListRow, list_id)
        if status_list is None:
            return None
        blocks = self.session.execute(
            select(StatusBlockRow.block).where(
                StatusBlockRow.list_id == list_id,
                ~StatusBlockRow.closed,
                StatusBlockRow.leased_until <= now,
            )
        )
        lapsed = [BlockRef(list_id, block).indexes for (block,) in blocks]
        return StoredList(status_list.size, lapsed, self._entries(list_id))

    def _entries(self, list_id: int) -> Iterator[Row]:
        batches = self.session.scalars(
            select(StatusEntryBatchRow.entries)
            .where(StatusEntryBatchRow.list_id == list_id)
            .execution_options(yield_per=100)
        )
        for packed in batches:
            yield from unpack_entries(packed)

    def live_status_lists(self) -> list[int]:
        return list(self.session.scalars(select(StatusListRow.id).order_by(StatusListRow.id)))

    def suspend(self, suspension: Suspension) -> bool:
        """False if already suspended."""
        key = (suspension.kind.value, suspension.value)
        if self.session.get(SuspensionRow, key) is not None:
            return False
        self.session.add(
            SuspensionRow(
                kind=suspension.kind.value,
                value=suspension.value,
                since=suspension.since,
                reason=suspension.reason,
                actor=suspension.actor,
            )
        )
        self.session.flush()
        return True

    def lift_suspension(self, kind: SuspendedKind, value: str) -> bool:
        """False if it was not suspended."""
        result = self.session.execute(
            delete(SuspensionRow).where(
                SuspensionRow.kind == kind.value, SuspensionRow.value == value
            )
        )
        return affected_rows(result) > 0

    def list_suspensions(self) -> list[Suspension]:
        return [
            Suspension(SuspendedKind(row.kind), row.value, row.since, row.reason, row.actor)
            for row in self.session.scalars(select(SuspensionRow))
        ]


def pack_entries(entries: Iterable[IssuedEntry]) -> bytes:
    """A batch's entries as one value: JSON rows (``Row``), ZLIB at its fastest level
    (the ``sub`` and ``client_id`` of a batch repeat)."""
    rows = [
        [entry.idx, entry.jti, entry.sid, entry.subject, entry.client_id, entry.issued_at]
        for entry in entries
    ]
    return zlib.compress(json.dumps(rows, separators=(",", ":")).encode(), 1)


def unpack_entries(packed: bytes) -> Iterator[Row]:
    yield from json.loads(zlib.decompress(packed))  # lists, which unpack like a Row
