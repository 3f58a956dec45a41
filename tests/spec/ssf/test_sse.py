"""Server-Sent Events delivery of a stream's SETs: each event a `set` with the event id
as its SSE id; a subscriber that comes back with Last-Event-ID gets exactly what it
missed, in order, nothing twice; heartbeats while idle; Last-Event-ID values that name
no event of the stream are refused."""

from __future__ import annotations

import threading

import pytest

from idp.store.repository import SqlStore
from tests.support.assertions import claims_of
from tests.support.databases import database_url
from tests.support.relying_party import revoke, service_app, service_token
from tests.support.server import running_idp
from tests.support.ssf import (
    SseReader,
    create_stream,
    event_of,
    sse_connect,
    ssf_call,
    ssf_receiver,
    ssf_token,
    verified_set,
)

SSE = {"method": "urn:tessera:ssf:sse"}
TOKEN_REVOKED = "https://schemas.openid.net/secevent/oauth/event-type/token-revoked"


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    directory = tmp_path_factory.mktemp("idp")
    with (
        database_url("sqlite", directory) as url,
        running_idp(url, directory, ssf_heartbeat_interval=1) as server,
    ):
        yield server


@pytest.fixture
def receiver(idp):
    token = ssf_token(idp, ssf_receiver(idp))
    return token, create_stream(idp, token, delivery=SSE)


def revoked_jtis(idp, count: int) -> list[str]:
    app = service_app(idp)
    jtis = []
    for _ in range(count):
        access_token = service_token(idp, app)
        assert revoke(idp, app, access_token).status_code == 200
        jtis.append(claims_of(access_token)["jti"])
    return jtis


def revoked_jti(idp, stream, data: str) -> str:
    claims = verified_set(idp, data, stream["aud"])
    event_type, _ = event_of(claims)
    assert event_type == TOKEN_REVOKED
    return claims["sub_id"]["jti"]


def test_events_arrive_as_sets_with_ids(idp, receiver):
    token, stream = receiver
    assert stream["delivery"]["endpoint_url"] == f"{idp.issuer}/ssf/sse/{stream['stream_id']}"
    with sse_connect(idp, token, stream) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = SseReader(response)
        jtis = revoked_jtis(idp, 2)
        events = reader.events(2)
    assert [kind for _, kind, _ in events] == ["set", "set"]
    assert [revoked_jti(idp, stream, data) for _, _, data in events] == jtis
    assert int(events[0][0]) < int(events[1][0])


def test_resuming_gets_exactly_what_was_missed_in_order(idp, receiver):
    token, stream = receiver
    with sse_connect(idp, token, stream) as response:
        reader = SseReader(response)
        [first] = revoked_jtis(idp, 1)
        last_id, _, data = reader.next_event()
        assert revoked_jti(idp, stream, data) == first
    missed = revoked_jtis(idp, 3)  # while away
    with sse_connect(idp, token, stream, last_event_id=last_id) as response:
        assert response.status_code == 200
        reader = SseReader(response)
        events = reader.events(3)
        [later] = revoked_jtis(idp, 1)
        after = reader.next_event()
    assert [revoked_jti(idp, stream, data) for _, _, data in events] == missed
    assert revoked_jti(idp, stream, after[2]) == later


def test_heartbeat_comments_while_idle(idp, receiver):
    token, stream = receiver
    with sse_connect(idp, token, stream) as response:
        reader = SseReader(response)
        threading.Timer(3.0, revoked_jtis, [idp, 1]).start()
        reader.next_event()
    assert reader.comments >= 1


@pytest.mark.parametrize(
    "last_event_id", ["abc", "-1", "1.5", "9" * 30, "99999999", "\N{SUPERSCRIPT TWO}"]
)
def test_bad_last_event_id_is_400(idp, receiver, last_event_id):
    token, stream = receiver
    with sse_connect(idp, token, stream, last_event_id=last_event_id) as response:
        response.read()
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"


def test_an_event_of_another_stream_is_no_place_to_resume(idp, receiver):
    token, stream = receiver
    other_token = ssf_token(idp, ssf_receiver(idp))
    other = create_stream(idp, other_token, delivery=SSE)
    verify = ssf_call(
        idp, "POST", "/ssf/verify", other_token, json={"stream_id": other["stream_id"]}
    )
    assert verify.status_code == 204
    with sse_connect(idp, other_token, other) as response:
        pass
    with idp.provider.database.reading() as session:
        newest = SqlStore(session).last_security_event_id()
    with sse_connect(idp, token, stream, last_event_id=str(newest)) as response:
        response.read()
        assert response.status_code == 400


def test_another_receiver_cannot_subscribe(idp, receiver):
    _, stream = receiver
    other = ssf_token(idp, ssf_receiver(idp))
    with sse_connect(idp, other, stream) as response:
        response.read()
        assert response.status_code == 404
    with sse_connect(idp, "not-a-token", stream) as response:
        response.read()
        assert response.status_code == 401


def test_an_empty_last_event_id_is_none_and_the_stream_replays_from_its_start(idp, receiver):
    token, stream = receiver
    [first] = revoked_jtis(idp, 1)
    with sse_connect(idp, token, stream, last_event_id="") as response:
        assert response.status_code == 200
        _, _, data = SseReader(response).next_event()
    assert revoked_jti(idp, stream, data) == first


def test_an_accept_without_event_stream_is_406(idp, receiver):
    token, stream = receiver
    path = stream["delivery"]["endpoint_url"].removeprefix(idp.issuer)
    response = ssf_call(idp, "GET", path, token, headers={"Accept": "application/json"})
    assert response.status_code == 406
