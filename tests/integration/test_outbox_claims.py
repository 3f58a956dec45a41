"""The outbox's claims on both databases: a claim hides a delivery from other claimers
until its lease runs out, and a node whose lease ran out cannot settle the delivery that
another node has claimed since (so a late answer never overwrites a newer attempt)."""

from __future__ import annotations

from idp.outbox.model import DeliveryState

KIND = "backchannel_logout"


def enqueue(idp, now: int) -> None:
    with idp.provider.store() as store:
        store.enqueue_delivery(
            KIND,
            client_id="c",
            target="https://rp.example/bc",
            payload={"jti": "j", "sub": "u", "sid": "s"},
            now=now,
        )


def claim(idp, now: int, lease: int = 10):
    with idp.provider.store() as store:
        return [d for d in store.claim_due_deliveries(now, lease, 100) if d.client_id == "c"]


def test_a_claim_hides_the_delivery_until_its_lease_runs_out(idp_on_each_backend):
    idp = idp_on_each_backend
    enqueue(idp, 1000)
    (first,) = claim(idp, 1000)
    assert first.next_attempt_at == 1010
    assert claim(idp, 1005) == []
    (second,) = claim(idp, 1011)  # the first node went quiet: the lease ran out
    assert second.id == first.id

    with idp.provider.store() as store:
        store.settle_delivery(first, now=1012, error=None, retry_at=None)  # too late
    with idp.provider.store() as store:
        (row,) = [d for d in store.list_deliveries(None, 100) if d.id == first.id]
    assert row.state is DeliveryState.PENDING
    assert row.attempts == 0

    with idp.provider.store() as store:
        store.settle_delivery(second, now=1013, error=None, retry_at=None)
        (row,) = [d for d in store.list_deliveries(None, 100) if d.id == first.id]
    assert row.state is DeliveryState.DELIVERED
    assert row.attempts == 1
