"""Deliver what the outbox holds: a thread per node claims due deliveries, as many as it
has free senders, and each sender settles its delivery as soon as it is done:
delivered, retried later with backoff, or given up. A receiver that hangs holds one
sender for the outbound timeout, never the others."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from idp.clock import Clock
from idp.outbox.model import LEASE, MAX_ATTEMPTS, Delivery, retry_delay
from idp.outbox.storage import DeliveryStore

log = logging.getLogger("idp.outbox")

SENDERS = 4
MAX_ERROR_LENGTH = 500


class DeliveryError(Exception):
    """This attempt failed; it is tried again later."""


class UndeliverableError(DeliveryError):
    """No attempt can succeed (the receiver is gone): given up at once."""


class HeldError(DeliveryError):
    """Not to be sent yet (a paused stream): tried again after HELD_RETRY seconds,
    without counting as an attempt."""


HELD_RETRY = 30


Sender = Callable[[Delivery], None]
Transaction = Callable[[], AbstractContextManager[DeliveryStore]]


@dataclass
class DeliveryWorker:
    transaction: Transaction
    senders: Mapping[str, Sender]
    clock: Clock
    poll_interval: float = 1.0
    lease: int = LEASE
    _wake: threading.Event = field(default_factory=threading.Event, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(SENDERS, thread_name_prefix="idp-delivery"),
        init=False,
    )
    _failing: bool = field(default=False, init=False)
    _in_flight: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def wake(self) -> None:
        """Something was queued on this node: deliver it now, not at the next poll."""
        self._wake.set()

    def run_once(self) -> int:
        """Claim what is due, up to the free senders, and hand each delivery to one;
        the number handed over."""
        with self._lock:
            free = SENDERS - self._in_flight
        if free <= 0:
            return 0
        with self.transaction() as store:
            due = store.claim_due_deliveries(self.clock.now(), self.lease, free)
        for delivery in due:
            with self._lock:
                self._in_flight += 1
            self._pool.submit(self._deliver, delivery)
        return len(due)

    def _deliver(self, delivery: Delivery) -> None:
        try:
            error = self._attempt(delivery)
            with self.transaction() as store:
                self._settle(store, delivery, error)
        except Exception:  # its lease runs out, and it is tried again
            log.exception("could not settle delivery %s", delivery.id)
        finally:
            with self._lock:
                self._in_flight -= 1
            self._wake.set()  # a sender is free

    def _attempt(self, delivery: Delivery) -> DeliveryError | None:
        sender = self.senders.get(delivery.kind)
        try:
            if sender is None:
                raise UndeliverableError(f"no sender for deliveries of kind {delivery.kind!r}")
            sender(delivery)
        except DeliveryError as error:
            return error
        except Exception as error:  # a bug in a sender must not stop the others
            log.exception("delivery %s failed unexpectedly", delivery.id)
            return DeliveryError(f"{type(error).__name__}: {error}")
        return None

    def _settle(
        self, store: DeliveryStore, delivery: Delivery, error: DeliveryError | None
    ) -> None:
        now = self.clock.now()
        if error is None:
            store.settle_delivery(delivery, now=now, error=None, retry_at=None)
            return
        if isinstance(error, HeldError):
            held_until = now + HELD_RETRY
            store.settle_delivery(
                delivery, now=now, error=str(error), retry_at=held_until, held=True
            )
            return
        attempts = delivery.attempts + 1
        gives_up = isinstance(error, UndeliverableError) or attempts >= MAX_ATTEMPTS
        retry_at = None if gives_up else now + retry_delay(attempts)
        message = str(error)[:MAX_ERROR_LENGTH] or type(error).__name__
        store.settle_delivery(delivery, now=now, error=message, retry_at=retry_at)
        log.warning(
            "delivery %s to %s failed (attempt %d): %s%s",
            delivery.id,
            delivery.target,
            attempts,
            message,
            "; given up" if gives_up else "",
        )

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="idp-outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            if self._run_logged() and self._in_flight < SENDERS:
                continue  # more may be due
            self._wake.wait(self.poll_interval)

    def _run_logged(self) -> int:
        try:
            attempted = self.run_once()
        except Exception as error:
            if not self._failing:  # once, not every interval
                log.warning("cannot read the outbox; deliveries wait: %s", error)
            self._failing = True
            return 0
        if self._failing:
            log.warning("reading the outbox again")
        self._failing = False
        return attempted
