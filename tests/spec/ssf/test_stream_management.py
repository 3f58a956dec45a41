"""OpenID Shared Signals Framework 1.0: transmitter metadata (§7) and stream management
(§8.1): create, read, update, replace, delete, status and verification, each for the
receiver's own streams only, with a client-credentials token carrying the ssf scopes."""

from __future__ import annotations

import httpx
import pytest

from idp.admin.users import set_password
from idp.authn.passwords import hash_password
from idp.revocation.events import OPERATOR
from tests.support.flows import create_user
from tests.support.relying_party import web_app
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
SESSION_REVOKED = CAEP + "session-revoked"
CREDENTIAL_CHANGE = CAEP + "credential-change"
STREAM_UPDATED = "https://schemas.openid.net/secevent/ssf/event-type/stream-updated"
VERIFICATION = "https://schemas.openid.net/secevent/ssf/event-type/verification"


@pytest.fixture
def token(idp):
    return ssf_token(idp, ssf_receiver(idp))


def test_metadata_names_the_endpoints_and_methods__ssf_s7_1(idp):
    response = httpx.get(f"{idp.base_url}/.well-known/ssf-configuration")
    assert response.status_code == 200
    metadata = response.json()
    assert metadata["issuer"] == idp.issuer
    assert metadata["spec_version"] == "1_0"
    assert metadata["jwks_uri"] == f"{idp.issuer}/jwks"
    assert {"urn:ietf:rfc:8935", "urn:ietf:rfc:8936"} <= set(metadata["delivery_methods_supported"])
    for name in ("configuration_endpoint", "status_endpoint", "verification_endpoint"):
        assert metadata[name].startswith(idp.issuer + "/ssf/")
    assert metadata["authorization_schemes"] == [{"spec_urn": "urn:ietf:rfc:6749"}]


def test_create_defaults_to_poll_and_reads_back__ssf_s8_1_1_1(idp, token):
    stream = create_stream(idp, token, description="audit")
    assert stream["iss"] == idp.issuer
    assert stream["delivery"]["method"] == "urn:ietf:rfc:8936"
    assert stream["delivery"]["endpoint_url"] == f"{idp.issuer}/ssf/poll/{stream['stream_id']}"
    assert SESSION_REVOKED in stream["events_delivered"]
    one = ssf_call(idp, "GET", "/ssf/streams", token, params={"stream_id": stream["stream_id"]})
    assert one.status_code == 200
    assert one.json() == stream
    every = ssf_call(idp, "GET", "/ssf/streams", token)
    assert every.json() == [stream]


def test_events_requested_narrow_events_delivered__ssf_s8_1_1(idp, token):
    stream = create_stream(
        idp, token, events_requested=[SESSION_REVOKED, "https://example.com/unknown"]
    )
    assert stream["events_delivered"] == [SESSION_REVOKED]


def test_patch_changes_what_it_names_and_put_replaces__ssf_s8_1_1_3_4(idp, token):
    stream = create_stream(idp, token, description="first")
    patched = ssf_call(
        idp,
        "PATCH",
        "/ssf/streams",
        token,
        json={"stream_id": stream["stream_id"], "events_requested": [CREDENTIAL_CHANGE]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["events_delivered"] == [CREDENTIAL_CHANGE]
    assert patched.json()["description"] == "first"
    replaced = ssf_call(
        idp,
        "PUT",
        "/ssf/streams",
        token,
        json={"stream_id": stream["stream_id"], "delivery": stream["delivery"]},
    )
    assert replaced.status_code == 200, replaced.text
    assert "description" not in replaced.json()
    assert "events_requested" not in replaced.json()


def test_a_transmitter_property_cannot_change__ssf_s8_1_1_3(idp, token):
    stream = create_stream(idp, token)
    response = ssf_call(
        idp, "PATCH", "/ssf/streams", token, json={"stream_id": stream["stream_id"], "aud": "x"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_delete_then_the_stream_is_gone__ssf_s8_1_1_5(idp, token):
    stream = create_stream(idp, token)
    params = {"stream_id": stream["stream_id"]}
    deleted = ssf_call(idp, "DELETE", "/ssf/streams", token, params=params)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert ssf_call(idp, "GET", "/ssf/streams", token, params=params).status_code == 404


def test_another_receivers_stream_does_not_exist_for_it(idp, token):
    stream = create_stream(idp, token)
    other = ssf_token(idp, ssf_receiver(idp))
    params = {"stream_id": stream["stream_id"]}
    assert ssf_call(idp, "GET", "/ssf/streams", other, params=params).status_code == 404
    assert ssf_call(idp, "DELETE", "/ssf/streams", other, params=params).status_code == 404
    assert ssf_call(idp, "GET", "/ssf/status", other, params=params).status_code == 404
    assert ssf_call(idp, "GET", "/ssf/streams", other).json() == []
    polled = ssf_call(
        idp, "POST", f"/ssf/poll/{stream['stream_id']}", other, json={"returnImmediately": True}
    )
    assert polled.status_code == 404


def test_no_token_is_401_with_a_challenge__rfc6750_s3(idp):
    response = ssf_call(idp, "GET", "/ssf/streams", None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_token_without_the_scope_is_403__rfc6750_s3_1(idp):
    token = ssf_token(idp, ssf_receiver(idp, scope="orders:read"))
    response = ssf_call(idp, "POST", "/ssf/streams", token, json={})
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"


def test_read_scope_reads_but_does_not_manage(idp):
    token = ssf_token(idp, ssf_receiver(idp, scope="ssf.read"))
    assert ssf_call(idp, "GET", "/ssf/streams", token).status_code == 200
    assert ssf_call(idp, "POST", "/ssf/streams", token, json={}).status_code == 403


def test_a_users_access_token_is_refused(idp):
    app = web_app(idp, scope="openid ssf.manage")
    tokens = sign_in(idp, app, create_user(idp), scope="openid ssf.manage")
    response = ssf_call(idp, "GET", "/ssf/streams", tokens["access_token"])
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{", "application/json"),
        (b"[]", "application/json"),
        (b'{"description": "a", "description": "b"}', "application/json"),
        (b"description=a", "application/x-www-form-urlencoded"),
        (b'{"delivery": {"method": "urn:example:carrier-pigeon"}}', "application/json"),
        (b'{"delivery": {"method": "urn:ietf:rfc:8935"}}', "application/json"),
        (
            b'{"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": "ftp://x"}}',
            "application/json",
        ),
        (b'{"events_requested": "not a list"}', "application/json"),
        (b'{"description": "' + b"x" * 300 + b'"}', "application/json"),
    ],
)
def test_malformed_creation_is_400(idp, token, content, content_type):
    response = ssf_call(
        idp,
        "POST",
        "/ssf/streams",
        token,
        content=content,
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"


def test_at_most_ten_streams_per_receiver__ssf_s8_1_1_1(idp, token):
    for _ in range(10):
        create_stream(idp, token)
    assert ssf_call(idp, "POST", "/ssf/streams", token, json={}).status_code == 409


def test_status_pause_holds_and_enable_delivers_in_order__ssf_s8_1_2(idp, token):
    stream = create_stream(idp, token)
    stream_id = stream["stream_id"]
    status = ssf_call(idp, "GET", "/ssf/status", token, params={"stream_id": stream_id})
    assert status.json() == {"stream_id": stream_id, "status": "enabled"}
    paused = ssf_call(
        idp,
        "POST",
        "/ssf/status",
        token,
        json={"stream_id": stream_id, "status": "paused", "reason": "maintenance"},
    )
    assert paused.status_code == 200
    assert paused.json() == {"stream_id": stream_id, "status": "paused", "reason": "maintenance"}
    user = create_user(idp)
    _change_password(idp, user.username)
    held = poll(idp, token, stream)["sets"]
    # §8.1.5: the stream-updated event goes out before the stream stops.
    assert [event_of(verified_set(idp, t, stream["aud"]))[0] for t in held.values()] == [
        STREAM_UPDATED
    ]
    ssf_call(idp, "POST", "/ssf/status", token, json={"stream_id": stream_id, "status": "enabled"})
    offered = poll(idp, token, stream)["sets"]
    types = [event_of(verified_set(idp, t, stream["aud"]))[0] for t in offered.values()]
    assert types == [STREAM_UPDATED, CREDENTIAL_CHANGE, STREAM_UPDATED]


def test_disabled_drops_what_happens_meanwhile__ssf_s8_1_2(idp, token):
    stream = create_stream(idp, token)
    stream_id = stream["stream_id"]
    ssf_call(idp, "POST", "/ssf/status", token, json={"stream_id": stream_id, "status": "disabled"})
    _change_password(idp, create_user(idp).username)
    ssf_call(idp, "POST", "/ssf/status", token, json={"stream_id": stream_id, "status": "enabled"})
    offered = poll(idp, token, stream)["sets"]
    types = [event_of(verified_set(idp, t, stream["aud"]))[0] for t in offered.values()]
    assert types == [STREAM_UPDATED, STREAM_UPDATED]
    payloads = [event_of(verified_set(idp, t, stream["aud"]))[1] for t in offered.values()]
    assert [payload["status"] for payload in payloads] == ["disabled", "enabled"]


def test_verification_event_echoes_the_state__ssf_s8_1_4(idp, token):
    stream = create_stream(idp, token)
    response = ssf_call(
        idp, "POST", "/ssf/verify", token, json={"stream_id": stream["stream_id"], "state": "xyz"}
    )
    assert response.status_code == 204
    [set_token] = poll(idp, token, stream)["sets"].values()
    claims = verified_set(idp, set_token, stream["aud"])
    assert claims["sub_id"] == {"format": "opaque", "id": stream["stream_id"]}
    assert event_of(claims) == (VERIFICATION, {"state": "xyz"})
    again = ssf_call(idp, "POST", "/ssf/verify", token, json={"stream_id": stream["stream_id"]})
    assert again.status_code == 429  # min_verification_interval
    assert "retry-after" in again.headers


def _change_password(idp, username: str) -> None:
    with idp.provider.store() as store:
        set_password(
            store, idp.provider.revoker(store, OPERATOR), username, hash_password("x" * 20)
        )


def test_disabled_then_paused_then_enabled_still_drops_the_disabled_span(idp, token):
    stream = create_stream(idp, token)
    stream_id = stream["stream_id"]
    for status in ("disabled",):
        ssf_call(idp, "POST", "/ssf/status", token, json={"stream_id": stream_id, "status": status})
    _change_password(idp, create_user(idp).username)  # while disabled: dropped
    for status in ("paused", "enabled"):
        ssf_call(idp, "POST", "/ssf/status", token, json={"stream_id": stream_id, "status": status})
    offered = poll(idp, token, stream)["sets"]
    types = [event_of(verified_set(idp, t, stream["aud"]))[0] for t in offered.values()]
    assert CREDENTIAL_CHANGE not in types
    assert types == [STREAM_UPDATED] * 3
