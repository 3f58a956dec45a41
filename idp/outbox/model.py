"""A delivery, its states, and when a failed one is tried again."""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# Attempts before a delivery is given up (still listed, and retried by hand):
# with the backoff below, about nine hours of trying.
MAX_ATTEMPTS = 12
FIRST_RETRY = 5  # seconds
MAX_RETRY = 3600
# A claimed delivery that its node did not settle (it crashed mid-send) is free again
# after this long, for any node: at least once, never lost. Longer than any send takes
# (idp.outbound.TOTAL_TIMEOUT); a node whose lease ran out cannot settle it any more.
LEASE = 60


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # given up after MAX_ATTEMPTS


@dataclass(frozen=True)
class Delivery:
    id: int
    kind: str
    client_id: str
    target: str
    payload: dict[str, Any]
    created_at: int
    attempts: int
    next_attempt_at: int  # while claimed: when the claim runs out
    last_error: str | None
    delivered_at: int | None
    failed_at: int | None

    @property
    def state(self) -> DeliveryState:
        if self.delivered_at is not None:
            return DeliveryState.DELIVERED
        if self.failed_at is not None:
            return DeliveryState.FAILED
        return DeliveryState.PENDING


def retry_delay(attempts: int, jitter: random.Random | None = None) -> int:
    """Exponential backoff with full jitter (at least half the step) after the
    ``attempts``-th failure: about 5 s, 10 s, 20 s, ... up to an hour."""
    step = min(MAX_RETRY, FIRST_RETRY * 2 ** max(0, attempts - 1))
    rng = jitter or random.SystemRandom()
    return max(1, int(step / 2 + rng.random() * step / 2))
