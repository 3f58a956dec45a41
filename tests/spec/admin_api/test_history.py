"""Every change over the admin API is recorded with its actor, the calling client
(``client:<client_id>``), in the history it serves; users whose access it changes get
a CAEP token-claims-change event naming the same actor (CAEP 1.0 §3.2); a refused
change writes nothing."""

from __future__ import annotations

from tests.support.admin_api import admin, assert_problem
from tests.support.flows import create_user
from tests.support.relying_party import security_events


def test_each_change_is_in_the_history_with_the_calling_client_as_actor(idp, caller, name):
    user = create_user(idp)
    caller.call("POST", "/roles", json={"name": name, "description": "d"})
    caller.call("PUT", f"/users/{user.id}/roles/{name}")
    changes = caller.call("GET", "/authz/changes", params={"limit": 2}).json()
    assert [(c["action"], c["target"]) for c in changes] == [
        ("user.role.assign", name),
        ("role.create", name),
    ]
    assert {c["actor"] for c in changes} == {f"client:{caller.client_id}"}
    assert changes[0]["detail"]["user"] == user.id
    assert changes[0]["id"] > changes[1]["id"]


def test_the_history_pages_backwards_with_before(caller, name):
    for suffix in "abc":
        caller.call("POST", "/roles", json={"name": f"{name}-{suffix}"})
    newest = caller.call("GET", "/authz/changes", params={"limit": 2}).json()
    older = caller.call(
        "GET", "/authz/changes", params={"limit": 2, "before": newest[-1]["id"]}
    ).json()
    assert [c["target"] for c in newest + older][:3] == [f"{name}-c", f"{name}-b", f"{name}-a"]
    assert_problem(caller.call("GET", "/authz/changes", params={"limit": 0}), 400)


def test_two_clients_are_told_apart(idp, caller, name):
    other = admin(idp)
    other.call("POST", "/roles", json={"name": name})
    [change] = caller.call("GET", "/authz/changes", params={"limit": 1}).json()
    assert change["actor"] == f"client:{other.client_id}"


def test_a_change_of_access_is_a_token_claims_change_by_the_client__caep_s3_2(idp, caller, name):
    user = create_user(idp)
    caller.call("POST", "/roles", json={"name": name})
    caller.call("POST", "/groups", json={"name": name})
    caller.call("PUT", f"/groups/{name}/members/{user.id}")
    caller.call("PUT", f"/groups/{name}/roles/{name}")
    caller.call("PUT", f"/roles/{name}/permissions/doc:read")
    caller.call("PUT", f"/users/{user.id}/attributes/clearance", json={"value": 3})
    events = [
        event["detail"]
        for event in security_events(idp, user.id)
        if event["event_type"].endswith("/token-claims-change")
    ]
    assert [event["claims"] for event in events] == [
        {"groups": [name]},
        {"roles": [name]},
        {"permissions": ["doc:read"]},
        {"clearance": 3},
    ]
    assert {event["actor"] for event in events} == {f"client:{caller.client_id}"}


def test_a_refused_change_writes_nothing(caller, name):
    caller.call("POST", "/roles", json={"name": name})
    before = caller.call("GET", "/authz/changes", params={"limit": 1}).json()
    assert_problem(caller.call("POST", "/roles", json={"name": name}), 409)
    assert_problem(
        caller.call("PUT", f"/roles/{name}/composites/{name}"), 409, "urn:tessera:problem:cycle"
    )
    assert caller.call("GET", "/authz/changes", params={"limit": 1}).json() == before
