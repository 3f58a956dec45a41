"""The Authorization header a push receiver registers (SSF 1.0 §8.1.1, RFC 8935 §2.1)
is its secret: stored sealed under the instance secret and bound to its stream, sent in
the clear only to the receiver; one an older version stored in the clear is still sent,
and sealed when the node starts."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import update

from idp.sealing import UnsealError
from idp.ssf.streams import MAX_AUTHORIZATION_HEADER
from idp.store.models import StreamRow
from tests.spec.ssf.pushing import (
    push_delivery,
    push_receiver,
    push_stream,
    pushing_idp,
    revoke_a_token,
)
from tests.support.ssf import ssf_call, ssf_receiver, ssf_token

SECRET = "Bearer receiver-secret-7f3a"


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    with pushing_idp(tmp_path_factory) as server:
        yield server


@pytest.fixture
def receiver():
    with push_receiver() as receiver:
        yield receiver


def stored_header(idp, stream_id: str) -> str | None:
    with idp.provider.store() as store:
        return store.session.get(StreamRow, stream_id).authorization_header


def test_the_header_is_stored_sealed_and_sent_in_the_clear(idp, receiver):
    _, stream = push_stream(idp, receiver, authorization_header=SECRET)
    stored = stored_header(idp, stream["stream_id"])
    assert stored.startswith("sealed:")
    assert "receiver-secret" not in stored
    revoke_a_token(idp)
    [post] = receiver.wait_for_posts(1)
    assert post["authorization"] == SECRET


def test_a_sealed_header_opens_for_its_own_stream_only(idp, receiver):
    _, stream = push_stream(idp, receiver, authorization_header=SECRET)
    stored = stored_header(idp, stream["stream_id"])
    credentials = idp.provider.push_credentials
    assert credentials.open(stored, stream["stream_id"]) == SECRET
    with pytest.raises(UnsealError):
        credentials.open(stored, "another-stream")


def test_a_header_stored_in_the_clear_is_sent_then_sealed_at_start(idp, receiver):
    _, stream = push_stream(idp, receiver, authorization_header=SECRET)
    with idp.provider.store() as store:  # as an older version left it
        store.session.execute(
            update(StreamRow)
            .where(StreamRow.stream_id == stream["stream_id"])
            .values(authorization_header=SECRET)
        )
    revoke_a_token(idp)
    [post] = receiver.wait_for_posts(1)
    assert post["authorization"] == SECRET
    idp.provider.seal_stored_push_credentials()
    assert stored_header(idp, stream["stream_id"]).startswith("sealed:")
    with idp.provider.store() as store:
        loaded = store.load_stream(stream["stream_id"])
    assert replace(loaded, authorization_header=None).stream_id == stream["stream_id"]
    assert idp.provider.push_credentials.open(loaded.authorization_header, loaded.stream_id) == (
        SECRET
    )


@pytest.mark.parametrize(
    ("length", "status"), [(MAX_AUTHORIZATION_HEADER, 201), (MAX_AUTHORIZATION_HEADER + 1, 400)]
)
def test_the_longest_header_sealed_fits_its_column(idp, receiver, length, status):
    header = "Bearer " + "a" * (length - len("Bearer "))
    response = create(idp, push_delivery(receiver, authorization_header=header))
    assert response.status_code == status, response.text
    if status == 201:
        column = StreamRow.__table__.c.authorization_header.type.length
        assert len(stored_header(idp, response.json()["stream_id"])) <= column


def test_a_header_that_is_not_ascii_is_refused__rfc9110_s5_5(idp, receiver):
    response = create(idp, push_delivery(receiver, authorization_header="Bearer caf\u00e9"))
    assert response.status_code == 400


def create(idp, delivery):
    token = ssf_token(idp, ssf_receiver(idp))
    return ssf_call(idp, "POST", "/ssf/streams", token, json={"delivery": delivery})
