"""A security event recorded in a transaction that writes nothing else is written
when it commits, on each backend."""

from __future__ import annotations

from idp.revocation.events import SecurityEventType


def test_an_event_recorded_alone_is_written(idp_on_each_backend):
    idp = idp_on_each_backend
    with idp.provider.reading() as store:
        before = store.last_security_event_id()
    with idp.provider.store() as store:
        store.record_security_event(
            SecurityEventType.TOKEN_REVOKED, subject="svc", now=idp.clock.now(), detail={"jti": "j"}
        )
    with idp.provider.reading() as store:
        newest = store.last_security_event_id()
        event = store.security_event(newest)
    assert newest > before
    assert event is not None
    assert event.detail == {"jti": "j"}
