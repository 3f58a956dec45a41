"""What the outbox needs from storage."""

from __future__ import annotations

from typing import Any, Protocol

from idp.outbox.model import Delivery, DeliveryState


class Outbox(Protocol):
    def enqueue_delivery(
        self, kind: str, *, client_id: str, target: str, payload: dict[str, Any], now: int
    ) -> None:
        """Queue a message in the caller's transaction: it is sent only if that commits."""
        ...


class DeliveryStore(Outbox, Protocol):
    def claim_due_deliveries(self, now: int, lease: int, limit: int) -> list[Delivery]:
        """Pending deliveries due by ``now``, hidden from other claimers for ``lease``
        seconds; two nodes never claim the same delivery at once."""
        ...

    def settle_delivery(
        self,
        delivery: Delivery,
        *,
        now: int,
        error: str | None,
        retry_at: int | None,
        held: bool = False,
    ) -> None:
        """Delivered (no error), to be retried at ``retry_at``, or given up (neither);
        ``held``: not attempted, so not counted; nothing if the claim ran out meanwhile
        (another node holds it now)."""
        ...

    def list_deliveries(self, state: DeliveryState | None, limit: int) -> list[Delivery]: ...

    def retry_deliveries(self, delivery_ids: list[int] | None, now: int) -> int:
        """Make failed deliveries (the given ones, or all) pending and due now."""
        ...
