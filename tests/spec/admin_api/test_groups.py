"""Groups over the admin API: created top-level or in a parent, read, listed, moved (a
cycle refused with its path), their roles and members, deleted (subgroups become
top-level)."""

from __future__ import annotations

from tests.support.admin_api import assert_problem
from tests.support.flows import create_user


def create(caller, **body):
    response = caller.call("POST", "/groups", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_group_is_created_in_a_parent_read_listed_and_deleted(caller, name):
    staff = create(caller, name=f"{name}-staff", description="Everyone")
    response = caller.call("POST", "/groups", json={"name": f"{name}-w", "parent": staff["group"]})
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/admin/v1/groups/{name}-w"
    writers = response.json()
    assert writers == {
        "group": f"{name}-w",
        "description": None,
        "parent": staff["group"],
        "roles": [],
        "mfa_required": False,
    }
    assert caller.call("GET", f"/groups/{name}-w").json() == writers
    listed = caller.call("GET", "/groups").json()
    assert staff in listed
    assert writers in listed

    assert caller.call("DELETE", f"/groups/{name}-staff").status_code == 204
    assert caller.call("GET", f"/groups/{name}-w").json()["parent"] is None
    assert_problem(caller.call("GET", f"/groups/{name}-staff"), 404)


def test_a_group_moves_and_a_cycle_is_409_and_named(caller, name):
    a, b, c = (f"{name}-{suffix}" for suffix in "abc")
    create(caller, name=a)
    create(caller, name=b, parent=a)
    create(caller, name=c, parent=b)
    problem = assert_problem(
        caller.call("PUT", f"/groups/{a}/parent", json={"parent": c}),
        409,
        "urn:tessera:problem:cycle",
    )
    assert problem["cycle"] == [a, c, b, a]
    moved = caller.call("PUT", f"/groups/{c}/parent", json={"parent": a})
    assert moved.status_code == 200, moved.text
    assert moved.json()["parent"] == a
    top = caller.call("PUT", f"/groups/{c}/parent", json={"parent": None})
    assert top.json()["parent"] is None
    problem = assert_problem(
        caller.call("PUT", f"/groups/{a}/parent", json={"parent": a}),
        409,
        "urn:tessera:problem:cycle",
    )
    assert problem["cycle"] == [a, a]


def test_a_group_requires_mfa_and_stops_requiring_it(caller, name):
    create(caller, name=name)
    required = caller.call("PUT", f"/groups/{name}/mfa", json={"mfa_required": True})
    assert required.status_code == 200, required.text
    assert required.json()["mfa_required"] is True
    assert caller.call("GET", f"/groups/{name}").json()["mfa_required"] is True
    lifted = caller.call("PUT", f"/groups/{name}/mfa", json={"mfa_required": False})
    assert lifted.json()["mfa_required"] is False
    for body in ({}, {"mfa_required": "yes"}, {"mfa_required": True, "why": "audit"}):
        problem = assert_problem(
            caller.call("PUT", f"/groups/{name}/mfa", json=body),
            400,
            "urn:tessera:problem:invalid-field",
        )
        assert problem["field"] in ("mfa_required", "why")
    assert_problem(caller.call("PUT", "/groups/nowhere/mfa", json={"mfa_required": True}), 404)


def test_a_move_body_is_checked(caller, name):
    create(caller, name=name)
    for body, field in [({}, "parent"), ({"parent": 3}, "parent"), ({"parent": "a b"}, "parent")]:
        problem = assert_problem(
            caller.call("PUT", f"/groups/{name}/parent", json=body),
            400,
            "urn:tessera:problem:invalid-field",
        )
        assert problem["field"] == field
    assert_problem(caller.call("PUT", f"/groups/{name}/parent", json={"parent": "nowhere"}), 404)


def test_a_duplicate_or_an_unknown_parent_is_refused(caller, name):
    create(caller, name=name)
    assert_problem(caller.call("POST", "/groups", json={"name": name}), 409)
    problem = assert_problem(
        caller.call("POST", "/groups", json={"name": f"{name}-x", "parent": "nowhere"}), 404
    )
    assert "nowhere" in problem["detail"]


def test_a_groups_roles_are_added_and_removed(caller, name):
    create(caller, name=name)
    assert caller.call("POST", "/roles", json={"name": name}).status_code == 201
    assert caller.call("PUT", f"/groups/{name}/roles/{name}").status_code == 201
    assert caller.call("PUT", f"/groups/{name}/roles/{name}").status_code == 204
    assert caller.call("GET", f"/groups/{name}").json()["roles"] == [name]
    assert caller.call("DELETE", f"/groups/{name}/roles/{name}").status_code == 204
    assert_problem(caller.call("DELETE", f"/groups/{name}/roles/{name}"), 404)
    assert_problem(caller.call("PUT", f"/groups/{name}/roles/no-such-role"), 404)


def test_members_are_added_listed_and_removed(idp, caller, name):
    create(caller, name=name)
    user = create_user(idp)
    path = f"/groups/{name}/members/{user.id}"
    assert caller.call("PUT", path).status_code == 201
    assert caller.call("PUT", path).status_code == 204
    members = caller.call("GET", f"/groups/{name}/members").json()
    assert members == [{"id": user.id, "username": user.username}]
    assert caller.call("DELETE", path).status_code == 204
    assert_problem(caller.call("DELETE", path), 404)
    assert caller.call("GET", f"/groups/{name}/members").json() == []
    problem = assert_problem(caller.call("PUT", f"/groups/{name}/members/no-such-user"), 404)
    assert "no-such-user" in problem["detail"]
    assert_problem(caller.call("GET", "/groups/no-such-group/members"), 404)
