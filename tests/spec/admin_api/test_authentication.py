"""Who may call the admin API: a client-credentials access token (RFC 9068) with the
admin.authz scope. Without a token 401 and only the challenge (RFC 6750 §3.1); an
invalid one 401 invalid_token; another scope 403 insufficient_scope. Each refusal is
an RFC 9457 problem."""

from __future__ import annotations

import pytest

from tests.support.admin_api import admin, admin_call, assert_problem
from tests.support.flows import create_user
from tests.support.relying_party import web_app
from tests.support.sign_in import sign_in

CALLS = [
    ("GET", "/roles"),
    ("POST", "/roles"),
    ("DELETE", "/roles/anything"),
    ("PUT", "/groups/anything/parent"),
    ("GET", "/users/someone/access"),
    ("GET", "/authz/changes"),
    ("PUT", "/policies"),
    ("GET", "/policies/versions/1"),
    ("POST", "/policies/versions/1/rollback"),
]


@pytest.mark.parametrize(("method", "path"), CALLS)
def test_no_token_is_401_with_the_bare_challenge__rfc6750_s3_1(idp, method, path):
    # A body that would be malformed: the missing token is what is answered.
    response = admin_call(idp, method, path, None, content=b"{", headers=_json())
    problem = assert_problem(response, 401)
    assert response.headers["www-authenticate"] == 'Bearer realm="tessera"'
    assert "detail" not in problem
    assert problem["title"] == "Unauthorized"


def test_an_invalid_token_is_401_invalid_token__rfc6750_s3_1(idp):
    response = admin_call(idp, "GET", "/roles", "not-a-jwt")
    problem = assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith(
        'Bearer realm="tessera", error="invalid_token"'
    )
    assert problem["detail"]


@pytest.mark.parametrize(("method", "path"), CALLS)
def test_another_scope_is_403_insufficient_scope__rfc6750_s3_1(idp, method, path):
    other = admin(idp, scope="ssf.manage ssf.read")
    response = other.call(method, path, content=b"{", headers=_json())
    problem = assert_problem(response, 403)
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert "admin.authz" in problem["detail"]


def test_a_users_access_token_is_not_a_service_token__rfc9068_s2_2(idp):
    app = web_app(idp, scope="openid admin.authz")
    tokens = sign_in(idp, app, create_user(idp), scope="openid admin.authz")
    response = admin_call(idp, "GET", "/roles", tokens["access_token"])
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_the_right_scope_is_let_in(caller):
    response = caller.call("GET", "/roles")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"


def _json() -> dict[str, str]:
    return {"Content-Type": "application/json"}
