"""RFC 8936 poll delivery with acknowledgement: a SET is offered until acknowledged (or
reported in setErrs), then never again; acknowledgements of SETs that are not the
stream's change nothing; a poll without returnImmediately waits for events."""

from __future__ import annotations

import threading
import time

import pytest

from idp.admin.users import update_profile
from tests.support.flows import Browser, create_user
from tests.support.relying_party import revoke, service_app, service_token, web_app
from tests.support.sign_in import sign_in
from tests.support.ssf import (
    create_stream,
    event_of,
    poll,
    ssf_call,
    ssf_receiver,
    ssf_token,
    verified_set,
)

CAEP = "https://schemas.openid.net/secevent/caep/event-type/"
TOKEN_REVOKED = "https://schemas.openid.net/secevent/oauth/event-type/token-revoked"


@pytest.fixture
def receiver(idp):
    token = ssf_token(idp, ssf_receiver(idp))
    return token, create_stream(idp, token)


def revoke_a_token(idp) -> str:
    app = service_app(idp)
    access_token = service_token(idp, app)
    assert revoke(idp, app, access_token).status_code == 200
    return access_token


def test_a_revoked_token_is_offered_as_a_set__rfc8936_s2_3(idp, receiver):
    token, stream = receiver
    revoke_a_token(idp)
    answer = poll(idp, token, stream)
    assert answer["moreAvailable"] is False
    [(jti, set_token)] = answer["sets"].items()
    claims = verified_set(idp, set_token, stream["aud"])
    assert claims["jti"] == jti
    event_type, payload = event_of(claims)
    assert event_type == TOKEN_REVOKED
    assert claims["sub_id"]["format"] == "jwt_id"
    assert payload["reason_admin"] == {"en": "rfc7009_revocation"}
    assert payload["initiating_entity"] == "system"


def test_logout_is_a_session_revoked_set_for_the_user_and_session__caep_s3_1(idp, receiver):
    token, stream = receiver
    app = web_app(idp)
    user = create_user(idp)
    with Browser(idp) as browser:
        tokens = sign_in(idp, app, user, browser=browser)
        browser.http.get("/logout", params={"id_token_hint": tokens["id_token"]})
    claims = [
        verified_set(idp, t, stream["aud"]) for t in poll(idp, token, stream)["sets"].values()
    ]
    [session_revoked] = [c for c in claims if event_of(c)[0] == CAEP + "session-revoked"]
    sub_id = session_revoked["sub_id"]
    assert sub_id["format"] == "complex"
    assert sub_id["user"] == {"format": "iss_sub", "iss": idp.issuer, "sub": user.id}
    assert sub_id["session"]["format"] == "opaque"
    assert event_of(session_revoked)[1]["initiating_entity"] == "user"


def test_acknowledged_sets_are_not_offered_again__rfc8936_s2_2(idp, receiver):
    token, stream = receiver
    revoke_a_token(idp)
    revoke_a_token(idp)
    first = poll(idp, token, stream)["sets"]
    assert len(first) == 2
    again = poll(idp, token, stream)["sets"]
    assert again.keys() == first.keys()  # unacknowledged: offered again, same jti
    one, other = sorted(first)
    assert poll(idp, token, stream, ack=[one])["sets"].keys() == {other}
    assert poll(idp, token, stream, ack=[other])["sets"] == {}


def test_set_errors_settle_a_set__rfc8936_s2_4(idp, receiver):
    token, stream = receiver
    revoke_a_token(idp)
    [jti] = poll(idp, token, stream)["sets"]
    errors = {jti: {"err": "invalid_request", "description": "cannot parse"}}
    assert poll(idp, token, stream, setErrs=errors)["sets"] == {}


def test_acknowledgements_for_another_stream_change_nothing(idp, receiver):
    token, stream = receiver
    other_token = ssf_token(idp, ssf_receiver(idp))
    other = create_stream(idp, other_token)
    revoke_a_token(idp)
    [theirs] = poll(idp, other_token, other)["sets"]
    [mine] = poll(idp, token, stream)["sets"]
    future = f"{stream['stream_id']}.99999999"
    forged = [theirs, "garbage", future, "", f"{stream['stream_id']}.\N{SUPERSCRIPT TWO}"]
    assert poll(idp, token, stream, ack=forged)["sets"].keys() == {mine}
    assert poll(idp, other_token, other)["sets"].keys() == {theirs}


def test_max_events_bounds_the_answer__rfc8936_s2_2(idp, receiver):
    token, stream = receiver
    for _ in range(3):
        revoke_a_token(idp)
    answer = poll(idp, token, stream, maxEvents=2)
    assert len(answer["sets"]) == 2
    assert answer["moreAvailable"] is True
    acked = poll(idp, token, stream, maxEvents=0, ack=list(answer["sets"]))
    assert acked == {"sets": {}, "moreAvailable": False}
    assert len(poll(idp, token, stream)["sets"]) == 1


def test_a_long_poll_returns_when_an_event_arrives__rfc8936_s2_5(idp, receiver):
    token, stream = receiver
    threading.Timer(1.0, revoke_a_token, [idp]).start()
    started = time.monotonic()
    answer = poll(idp, token, stream, returnImmediately=False)
    assert len(answer["sets"]) == 1
    assert 0.5 < time.monotonic() - started < 10


@pytest.mark.parametrize(
    "body",
    [
        {"maxEvents": -1},
        {"maxEvents": "10"},
        {"maxEvents": 10**6},
        {"returnImmediately": "yes"},
        {"ack": "jti"},
        {"ack": [1, 2]},
        {"setErrs": {"a": "b"}},
        {"ack": ["x"] * 1001},
    ],
)
def test_malformed_poll_is_400(idp, receiver, body):
    token, stream = receiver
    response = ssf_call(idp, "POST", f"/ssf/poll/{stream['stream_id']}", token, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"


def test_poll_of_an_sse_stream_is_404(idp):
    token = ssf_token(idp, ssf_receiver(idp))
    stream = create_stream(idp, token, delivery={"method": "urn:tessera:ssf:sse"})
    response = ssf_call(
        idp, "POST", f"/ssf/poll/{stream['stream_id']}", token, json={"returnImmediately": True}
    )
    assert response.status_code == 404


def test_an_acknowledgement_ahead_of_the_events_acknowledges_nothing(idp, receiver):
    token, stream = receiver
    revoke_a_token(idp)
    [jti] = poll(idp, token, stream)["sets"]
    prefix, _, number = jti.rpartition(".")
    ahead = [f"{prefix}.{int(number) + n}" for n in range(1, 4)]
    poll(idp, token, stream, ack=ahead, maxEvents=0)
    revoke_a_token(idp)
    assert len(poll(idp, token, stream, ack=[jti])["sets"]) == 1


def test_a_profile_change_is_a_token_claims_change_with_the_new_values__caep_s3_2(idp, receiver):
    token, stream = receiver
    user = create_user(idp)
    with idp.provider.store() as store:
        update_profile(store, user.username, {"name": "New Name"}, idp.clock.now())
    [set_token] = poll(idp, token, stream)["sets"].values()
    claims = verified_set(idp, set_token, stream["aud"])
    event_type, payload = event_of(claims)
    assert event_type == CAEP + "token-claims-change"
    assert payload["claims"] == {"name": "New Name"}
    assert claims["sub_id"] == {"format": "iss_sub", "iss": idp.issuer, "sub": user.id}
