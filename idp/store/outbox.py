"""The outbox (implements idp.outbox.storage.DeliveryStore)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from idp.outbox.model import Delivery, DeliveryState
from idp.store.database import affected_rows
from idp.store.models import DeliveryRow


def _to_delivery(row: DeliveryRow) -> Delivery:
    return Delivery(
        id=row.id,
        kind=row.kind,
        client_id=row.client_id,
        target=row.target,
        payload=dict(row.payload),
        created_at=row.created_at,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
        failed_at=row.failed_at,
    )


PENDING = (DeliveryRow.delivered_at.is_(None), DeliveryRow.failed_at.is_(None))


class OutboxQueries:
    session: Session

    def enqueue_delivery(
        self, kind: str, *, client_id: str, target: str, payload: dict[str, Any], now: int
    ) -> None:
        self.session.add(
            DeliveryRow(
                kind=kind,
                client_id=client_id,
                target=target,
                payload=payload,
                created_at=now,
                attempts=0,
                next_attempt_at=now,
            )
        )
        self.session.flush()

    def claim_due_deliveries(self, now: int, lease: int, limit: int) -> list[Delivery]:
        due = self.session.scalars(
            select(DeliveryRow)
            .where(*PENDING, DeliveryRow.next_attempt_at <= now)
            .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id)
            .limit(limit)
        ).all()
        claimed = []
        for row in due:
            # Claimed only if no other node moved it since it was read.
            result = self.session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == row.id, DeliveryRow.next_attempt_at == row.next_attempt_at)
                .values(next_attempt_at=now + lease),
                execution_options={"synchronize_session": False},
            )
            if affected_rows(result):
                claimed.append(replace(_to_delivery(row), next_attempt_at=now + lease))
        return claimed

    def settle_delivery(
        self,
        delivery: Delivery,
        *,
        now: int,
        error: str | None,
        retry_at: int | None,
        held: bool = False,
    ) -> None:
        if error is None:
            values: dict[str, Any] = {"delivered_at": now, "last_error": None}
        elif retry_at is not None:
            values = {"next_attempt_at": retry_at, "last_error": error}
        else:
            values = {"failed_at": now, "last_error": error}
        self.session.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.id == delivery.id,
                *PENDING,
                DeliveryRow.next_attempt_at == delivery.next_attempt_at,  # still our claim
            )
            .values(attempts=DeliveryRow.attempts + (0 if held else 1), **values),
            execution_options={"synchronize_session": False},
        )

    def list_deliveries(self, state: DeliveryState | None, limit: int) -> list[Delivery]:
        query = select(DeliveryRow).order_by(DeliveryRow.id.desc()).limit(limit)
        if state is DeliveryState.PENDING:
            query = query.where(*PENDING)
        elif state is DeliveryState.DELIVERED:
            query = query.where(DeliveryRow.delivered_at.is_not(None))
        elif state is DeliveryState.FAILED:
            query = query.where(DeliveryRow.failed_at.is_not(None))
        return [_to_delivery(row) for row in self.session.scalars(query)]

    def retry_deliveries(self, delivery_ids: list[int] | None, now: int) -> int:
        query = update(DeliveryRow).where(DeliveryRow.failed_at.is_not(None))
        if delivery_ids is not None:
            query = query.where(DeliveryRow.id.in_(delivery_ids))
        result = self.session.execute(
            query.values(failed_at=None, attempts=0, next_attempt_at=now),
            execution_options={"synchronize_session": False},
        )
        return affected_rows(result)
