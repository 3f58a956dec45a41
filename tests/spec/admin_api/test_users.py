"""A user's roles, groups, effective access and typed attributes over the admin API,
by user id; an unknown user is 404."""

from __future__ import annotations

import pytest

from tests.support.admin_api import assert_problem
from tests.support.flows import create_user


@pytest.fixture
def user(idp):
    return create_user(idp)


def test_roles_are_assigned_and_unassigned(caller, name, user):
    assert caller.call("POST", "/roles", json={"name": name}).status_code == 201
    path = f"/users/{user.id}/roles/{name}"
    assert caller.call("PUT", path).status_code == 201
    assert caller.call("PUT", path).status_code == 204
    assert caller.call("GET", f"/users/{user.id}/roles").json() == [name]
    assert caller.call("DELETE", path).status_code == 204
    assert_problem(caller.call("DELETE", path), 404)
    assert caller.call("GET", f"/users/{user.id}/roles").json() == []


def test_effective_access_comes_through_groups_their_parents_and_composites(caller, name, user):
    viewer, editor = f"{name}-viewer", f"{name}-editor"
    for role in (viewer, editor):
        assert caller.call("POST", "/roles", json={"name": role}).status_code == 201
    caller.call("PUT", f"/roles/{editor}/composites/{viewer}")
    caller.call("PUT", f"/roles/{viewer}/permissions/doc:read")
    caller.call("POST", "/groups", json={"name": f"{name}-staff"})
    caller.call("POST", "/groups", json={"name": f"{name}-w", "parent": f"{name}-staff"})
    caller.call("PUT", f"/groups/{name}-staff/roles/{editor}")
    assert caller.call("PUT", f"/groups/{name}-w/members/{user.id}").status_code == 201

    assert caller.call("GET", f"/users/{user.id}/groups").json() == [f"{name}-w"]
    assert caller.call("GET", f"/users/{user.id}/roles").json() == []
    assert caller.call("GET", f"/users/{user.id}/access").json() == {
        "roles": [editor, viewer],
        "groups": [f"{name}-staff", f"{name}-w"],
        "permissions": ["doc:read"],
        "mfa_required": False,
    }
    caller.call("PUT", f"/groups/{name}-staff/mfa", json={"mfa_required": True})
    assert caller.call("GET", f"/users/{user.id}/access").json()["mfa_required"] is True


@pytest.mark.parametrize(
    ("value", "entry"),
    [
        ("secret", {"type": "string", "value": "secret"}),
        (2, {"type": "number", "value": 2}),
        (2.5, {"type": "number", "value": 2.5}),
        (True, {"type": "boolean", "value": True}),
        (["eu", "us", "eu"], {"type": "string_list", "value": ["eu", "us"]}),
    ],
)
def test_typed_attributes_are_set_read_and_unset(caller, user, value, entry):
    path = f"/users/{user.id}/attributes/clearance"
    first = caller.call("PUT", path, json={"value": value})
    assert first.status_code == 201, first.text
    assert first.json() == entry
    assert caller.call("PUT", path, json={"value": value}).status_code == 200
    assert caller.call("GET", f"/users/{user.id}/attributes").json() == {"clearance": entry}
    assert caller.call("DELETE", path).status_code == 204
    assert_problem(caller.call("DELETE", path), 404)
    assert caller.call("GET", f"/users/{user.id}/attributes").json() == {}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"value": None},
        {"value": {"nested": 1}},
        {"value": 2**60},
        {"value": "x" * 1025},
        {"value": ["x" * 257]},
        {"value": [1, 2]},
        {"value": "a", "type": "string"},
    ],
)
def test_an_attribute_value_out_of_bounds_is_400_naming_the_field(caller, user, body):
    path = f"/users/{user.id}/attributes/clearance"
    problem = assert_problem(
        caller.call("PUT", path, json=body), 400, "urn:tessera:problem:invalid-field"
    )
    assert problem["field"] in ("value", "type")


def test_at_most_64_attributes_is_409(caller, user):
    for index in range(64):
        path = f"/users/{user.id}/attributes/a{index}"
        assert caller.call("PUT", path, json={"value": index}).status_code == 201
    problem = assert_problem(
        caller.call("PUT", f"/users/{user.id}/attributes/one_more", json={"value": 1}), 409
    )
    assert "64" in problem["detail"]


def test_an_attribute_name_is_checked(caller, user):
    assert_problem(
        caller.call("PUT", f"/users/{user.id}/attributes/Not-Snake", json={"value": 1}), 400
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/roles"),
        ("GET", "/groups"),
        ("GET", "/access"),
        ("GET", "/attributes"),
        ("PUT", "/attributes/clearance"),
        ("DELETE", "/attributes/clearance"),
    ],
)
def test_an_unknown_user_is_404(caller, method, path):
    response = caller.call(method, f"/users/no-such-user{path}", json={"value": 1})
    problem = assert_problem(response, 404)
    assert "no-such-user" in problem["detail"]
