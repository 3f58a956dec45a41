"""Roles over the admin API: realm roles and each client's, created, read, listed and
deleted; composites (a cycle refused with its path, RFC 9110 §15.5.10) and permissions;
every refusal an RFC 9457 problem (400 naming the field, 404, 409, 413, 415)."""

from __future__ import annotations

import pytest

from tests.support.admin_api import assert_problem
from tests.support.relying_party import service_app


def create(caller, path, **body):
    response = caller.call("POST", path, json=body)
    assert response.status_code == 201, response.text
    return response


def test_a_realm_role_is_created_read_listed_and_deleted(caller, name):
    response = create(caller, "/roles", name=name, description="Reads documents")
    assert response.headers["location"] == f"/admin/v1/roles/{name}"
    created = response.json()
    assert created == {
        "role": name,
        "name": name,
        "client_id": None,
        "description": "Reads documents",
        "composites": [],
        "permissions": [],
        "mfa_required": False,
    }
    assert caller.call("GET", f"/roles/{name}").json() == created
    assert created in caller.call("GET", "/roles").json()

    assert caller.call("DELETE", f"/roles/{name}").status_code == 204
    problem = assert_problem(caller.call("GET", f"/roles/{name}"), 404)
    assert name in problem["detail"]
    assert created not in caller.call("GET", "/roles").json()


def test_a_role_requires_mfa_and_the_change_is_recorded(caller, name):
    create(caller, "/roles", name=name)
    required = caller.call("PUT", f"/roles/{name}/mfa", json={"mfa_required": True})
    assert required.status_code == 200, required.text
    assert required.json()["mfa_required"] is True
    changes = caller.call("GET", "/authz/changes").json()
    assert any(
        change["action"] == "role.mfa.set" and change["target"] == name for change in changes
    ), changes
    problem = assert_problem(
        caller.call("PUT", f"/roles/{name}/mfa", json={"mfa_required": 1}),
        400,
        "urn:tessera:problem:invalid-field",
    )
    assert problem["field"] == "mfa_required"


def test_a_clients_roles_live_under_the_client(idp, caller, name):
    client_id = service_app(idp).client_id
    response = create(caller, f"/clients/{client_id}/roles", name=name)
    assert response.headers["location"] == f"/admin/v1/clients/{client_id}/roles/{name}"
    role = response.json()
    assert (role["role"], role["client_id"]) == (f"{client_id}/{name}", client_id)
    assert caller.call("GET", f"/clients/{client_id}/roles").json() == [role]
    assert caller.call("GET", f"/clients/{client_id}/roles/{name}").json() == role
    assert role not in caller.call("GET", "/roles").json()  # the realm's are apart
    assert_problem(caller.call("GET", f"/roles/{name}"), 404)
    assert caller.call("DELETE", f"/clients/{client_id}/roles/{name}").status_code == 204
    assert caller.call("GET", f"/clients/{client_id}/roles").json() == []


def test_an_unknown_client_is_404(caller, name):
    assert_problem(caller.call("POST", "/clients/nobody-here/roles", json={"name": name}), 404)
    problem = assert_problem(caller.call("GET", "/clients/nobody-here/roles"), 404)
    assert "nobody-here" in problem["detail"]


def test_a_duplicate_is_409__rfc9110_s15_5_10(caller, name):
    create(caller, "/roles", name=name)
    problem = assert_problem(caller.call("POST", "/roles", json={"name": name}), 409)
    assert "already exists" in problem["detail"]


def test_composites_are_added_and_removed__rfc9110_s9_3_4(caller, name):
    owner, editor = f"{name}-owner", f"{name}-editor"
    create(caller, "/roles", name=owner)
    create(caller, "/roles", name=editor)
    assert caller.call("PUT", f"/roles/{owner}/composites/{editor}").status_code == 201
    assert caller.call("PUT", f"/roles/{owner}/composites/{editor}").status_code == 204
    assert caller.call("GET", f"/roles/{owner}").json()["composites"] == [editor]
    assert caller.call("DELETE", f"/roles/{owner}/composites/{editor}").status_code == 204
    assert_problem(caller.call("DELETE", f"/roles/{owner}/composites/{editor}"), 404)
    assert caller.call("GET", f"/roles/{owner}").json()["composites"] == []


def test_a_client_role_is_included_by_its_client_id_and_name(idp, caller, name):
    client_id = service_app(idp).client_id
    create(caller, "/roles", name=name)
    create(caller, f"/clients/{client_id}/roles", name="reader")
    path = f"/roles/{name}/composites/{client_id}/reader"
    assert caller.call("PUT", path).status_code == 201
    assert caller.call("GET", f"/roles/{name}").json()["composites"] == [f"{client_id}/reader"]


def test_a_cycle_is_409_and_named__nist_rbac_s6_2(caller, name):
    a, b, c = (f"{name}-{suffix}" for suffix in "abc")
    for role in (a, b, c):
        create(caller, "/roles", name=role)
    assert caller.call("PUT", f"/roles/{a}/composites/{b}").status_code == 201
    assert caller.call("PUT", f"/roles/{b}/composites/{c}").status_code == 201
    response = caller.call("PUT", f"/roles/{c}/composites/{a}")
    problem = assert_problem(response, 409, "urn:tessera:problem:cycle")
    assert problem["cycle"] == [c, a, b, c]
    assert f"{c} -> {a} -> {b} -> {c}" in problem["detail"]
    assert caller.call("GET", f"/roles/{c}").json()["composites"] == []  # nothing written


def test_permissions_are_granted_and_revoked(caller, name):
    create(caller, "/roles", name=name)
    path = f"/roles/{name}/permissions/billing/invoice:approve"
    assert caller.call("PUT", path).status_code == 201
    assert caller.call("PUT", path).status_code == 204
    assert caller.call("GET", f"/roles/{name}").json()["permissions"] == ["billing/invoice:approve"]
    assert caller.call("DELETE", path).status_code == 204
    assert_problem(caller.call("DELETE", path), 404)
    assert_problem(caller.call("PUT", f"/roles/{name}/permissions/not-a-permission"), 400)


def test_unknown_roles_are_404(caller, name):
    create(caller, "/roles", name=name)
    for method, path in [
        ("GET", "/roles/no-such-role"),
        ("DELETE", "/roles/no-such-role"),
        ("PUT", f"/roles/{name}/composites/no-such-role"),
        ("PUT", f"/roles/no-such-role/composites/{name}"),
        ("PUT", "/roles/no-such-role/permissions/doc:read"),
    ]:
        problem = assert_problem(caller.call(method, path), 404)
        assert "no-such-role" in problem["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": 7}, "name"),
        ({"name": "has space"}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"name": "ok", "description": "x" * 256}, "description"),
        ({"name": "ok", "description": "line\nbreak"}, "description"),
        ({"name": "ok", "description": ["a"]}, "description"),
        ({"name": "ok", "colour": "red"}, "colour"),
    ],
)
def test_a_malformed_body_is_400_naming_the_field(caller, body, field):
    problem = assert_problem(
        caller.call("POST", "/roles", json=body), 400, "urn:tessera:problem:invalid-field"
    )
    assert problem["field"] == field
    assert problem["detail"].startswith(f"{field}: ")


@pytest.mark.parametrize("content", [b"{", b"[]", b'{"name": "a", "name": "b"}', b"\xff"])
def test_a_body_that_is_no_json_object_is_400(caller, content):
    response = caller.call(
        "POST", "/roles", content=content, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400)


def test_another_media_type_is_415__rfc9110_s15_5_16(caller):
    response = caller.call("POST", "/roles", data={"name": "form-role"})
    problem = assert_problem(response, 415)
    assert problem["title"] == "Unsupported Media Type"


def test_a_body_too_large_is_413__rfc9110_s15_5_14(idp, caller):
    size = idp.settings.max_body_bytes + 1
    response = caller.call(
        "POST",
        "/roles",
        content=b'{"description": "' + b"x" * size + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 413)


def test_a_malformed_path_is_400(caller):
    problem = assert_problem(caller.call("GET", "/roles/" + "x" * 65), 400)
    assert "name" in problem["detail"]
