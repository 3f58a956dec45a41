"""RFC 8935 push delivery: each SET a push stream wants is POSTed to the receiver's
endpoint as application/secevent+jwt with the Authorization header it registered,
from the outbox: an error answer is retried with backoff and stays visible, a SET the
receiver rejects as malformed is given up, and a paused stream holds its SETs."""

from __future__ import annotations

import pytest

from idp.outbox.model import DeliveryState
from tests.spec.ssf.pushing import (
    TOKEN_REVOKED,
    push_receiver,
    push_stream,
    pushing_idp,
    revoke_a_token,
)
from tests.support.logout_receiver import Behaviour
from tests.support.polling import eventually
from tests.support.ssf import event_of, ssf_call, ssf_receiver, ssf_token, verified_set

STREAM_UPDATED = "https://schemas.openid.net/secevent/ssf/event-type/stream-updated"


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    with pushing_idp(tmp_path_factory) as server:
        yield server


@pytest.fixture
def receiver():
    with push_receiver() as receiver:
        yield receiver


def pushes(idp, stream_id: str):
    with idp.provider.store() as store:
        return [
            delivery
            for delivery in store.list_deliveries(None, 1000)
            if delivery.payload.get("stream_id") == stream_id
        ]


def test_a_set_is_pushed_with_the_registered_authorization__rfc8935_s2_1(idp, receiver):
    _, stream = push_stream(idp, receiver, authorization_header="Bearer receiver-secret")
    assert "authorization_header" not in stream["delivery"]  # a secret: never shown back
    revoke_a_token(idp)
    [post] = receiver.wait_for_posts(1)
    assert post["content-type"] == "application/secevent+jwt"
    assert post["accept"] == "application/json"
    assert post["authorization"] == "Bearer receiver-secret"
    claims = verified_set(idp, post["body"], stream["aud"])
    assert event_of(claims)[0] == TOKEN_REVOKED
    assert eventually(lambda: pushes(idp, stream["stream_id"])[0].state is DeliveryState.DELIVERED)


def test_a_server_error_is_retried_and_visible__rfc8935_s2_3(idp, receiver):
    receiver.behaviour = Behaviour(status=503)
    _, stream = push_stream(idp, receiver)
    revoke_a_token(idp)
    receiver.wait_for_posts(1)

    def failed_once() -> bool:
        [delivery] = pushes(idp, stream["stream_id"])
        return delivery.attempts == 1 and delivery.state is DeliveryState.PENDING

    assert eventually(failed_once)
    [delivery] = pushes(idp, stream["stream_id"])
    assert "HTTP 503" in (delivery.last_error or "")


def test_a_set_the_receiver_calls_malformed_is_given_up__rfc8935_s2_3(idp, receiver):
    receiver.behaviour = Behaviour(
        status=400, body=b'{"err": "invalid_request", "description": "no"}'
    )
    _, stream = push_stream(idp, receiver)
    revoke_a_token(idp)
    receiver.wait_for_posts(1)
    assert eventually(lambda: pushes(idp, stream["stream_id"])[0].state is DeliveryState.FAILED)
    assert "invalid_request" in (pushes(idp, stream["stream_id"])[0].last_error or "")


def test_a_paused_stream_holds_its_sets__ssf_s8_1_2(idp, receiver):
    token, stream = push_stream(idp, receiver)
    paused = ssf_call(
        idp,
        "POST",
        "/ssf/status",
        token,
        json={"stream_id": stream["stream_id"], "status": "paused"},
    )
    assert paused.status_code == 200
    [announcement] = receiver.wait_for_posts(1)  # stream-updated, before it stops
    assert event_of(verified_set(idp, announcement["body"], stream["aud"]))[0] == STREAM_UPDATED
    revoke_a_token(idp)

    def held() -> bool:  # looked at, not sent, and no attempt used up
        return any(
            delivery.attempts == 0 and "paused" in (delivery.last_error or "")
            for delivery in pushes(idp, stream["stream_id"])
        )

    assert eventually(held)
    assert len(receiver.posts) == 1


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "http://receiver.example/events", "https://x.example/#f"]
)
def test_a_push_endpoint_must_be_https_or_loopback__rfc8935_s2(idp, url):
    token = ssf_token(idp, ssf_receiver(idp))
    response = ssf_call(
        idp,
        "POST",
        "/ssf/streams",
        token,
        json={"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": url}},
    )
    assert response.status_code == 400


def test_a_re_enabled_stream_pushes_its_enabled_event__ssf_s8_1_5(idp, receiver):
    token, stream = push_stream(idp, receiver)
    for status in ("disabled", "enabled"):
        answer = ssf_call(
            idp,
            "POST",
            "/ssf/status",
            token,
            json={"stream_id": stream["stream_id"], "status": status},
        )
        assert answer.status_code == 200
    posts = receiver.wait_for_posts(2)
    sets = [verified_set(idp, post["body"], stream["aud"]) for post in posts]
    # RFC 8935 does not order deliveries; the jti ends with the event's place in the log.
    sets.sort(key=lambda claims: int(claims["jti"].rpartition(".")[2]))
    assert [event_of(claims)[1]["status"] for claims in sets] == ["disabled", "enabled"]
