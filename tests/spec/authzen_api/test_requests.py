"""AuthZEN 1.0 §12 (the HTTPS binding) and §14 (security): the caller authenticates
with a client-credentials access token carrying ``access.evaluate`` (401 without one,
403 without the scope); a malformed, mistyped or oversized body is a 400 naming the
member (§12.1.2); the PEP's X-Request-ID comes back on every answer (§12.1.3)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.authzen import World, a_document, ask, call, evaluator_token
from tests.support.flows import create_user
from tests.support.relying_party import web_app
from tests.support.sign_in import sign_in

ENDPOINTS = ["/access/v1/evaluation", "/access/v1/evaluations", "/access/v1/search/action"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_no_token_is_401_with_a_bearer_challenge__authzen_s14_3(idp, world: World, path):
    response = call(idp, path, None, ask(world.editor.id))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_token_without_the_scope_is_403__authzen_s14_2(idp, world: World, path):
    _, token = evaluator_token(idp, scope="orders:read")
    response = call(idp, path, token, ask(world.editor.id))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


def test_a_users_token_is_not_a_pep_s_credential(idp, world: World):
    app = web_app(idp, scope="openid access.evaluate")
    tokens = sign_in(idp, app, create_user(idp), scope="openid access.evaluate")
    response = call(idp, "/access/v1/evaluation", tokens["access_token"], ask(world.editor.id))
    assert response.status_code == 401


def test_an_invalid_token_is_401(idp, world: World):
    response = call(idp, "/access/v1/evaluation", "not-a-token", ask(world.editor.id))
    assert response.status_code == 401


U = "some-user"
MALFORMED = [
    ({"action": {"name": "read"}, "resource": a_document()}, "subject is required"),
    (ask(U) | {"subject": "ada"}, "subject must be an object"),
    (ask(U) | {"subject": {"type": "user", "id": 12}}, "subject.id must be a non-empty string"),
    (ask(U) | {"subject": {"type": "group", "id": "g"}}, "subject.type 'group'"),
    (ask(U) | {"action": {"name": "read", "properties": {"m": "GET"}}}, "action.properties"),
    (ask(U) | {"resource": {"type": "Document", "id": "x" * 300}}, "resource.id is longer"),
    (ask(U, resource={"type": "D", "id": "d", "properties": {"n": 1.5}}), "no floats"),
    (ask(U, context={"time": "1985-10-26T01:22-07:00"}), "context.time is set by Tessera"),
    ([], "request body must be a JSON object"),
]


@pytest.mark.parametrize(("body", "named"), MALFORMED)
def test_a_malformed_body_is_400_naming_the_member__authzen_s12_1_2(idp, world: World, body, named):
    response = call(idp, "/access/v1/evaluation", world.token, body)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"
    assert named in response.json()["error_description"]


def test_a_malformed_batch_is_400_naming_the_item(idp, world: World):
    body = {"action": {"name": "read"}, "evaluations": [{"resource": a_document()}]}
    response = call(idp, "/access/v1/evaluations", world.token, body)
    assert response.status_code == 400
    assert response.json()["error_description"] == (
        "evaluations[0].subject is required (here or at the top level)"
    )
    body = ask(world.editor.id) | {"options": {"evaluations_semantic": "all"}}
    response = call(idp, "/access/v1/evaluations", world.token, body)
    assert "options.evaluations_semantic must be one of" in response.json()["error_description"]
    body = ask(world.editor.id) | {"evaluations": [{}] * 101}
    response = call(idp, "/access/v1/evaluations", world.token, body)
    assert "more than 100 items" in response.json()["error_description"]


def test_not_json_is_400_and_too_large_is_413(idp, world: World):
    headers = {"Authorization": f"Bearer {world.token}"}
    url = idp.base_url + "/access/v1/evaluation"
    response = httpx.post(url, content=b"{", headers=headers | {"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error_description"] == "request body is not valid JSON"
    response = httpx.post(url, content=b"{}", headers=headers | {"Content-Type": "text/plain"})
    assert response.status_code == 400
    big = ask(world.editor.id, context={"padding": "x" * idp.settings.max_body_bytes})
    assert call(idp, "/access/v1/evaluation", world.token, big).status_code == 413


@pytest.mark.parametrize("token_kind", ["valid", "none"])
def test_the_request_id_is_echoed_on_every_answer__authzen_s12_1_3(idp, world: World, token_kind):
    token = world.token if token_kind == "valid" else None
    request_id = "bfe9eb29-ab87-4ca3-be83-a1d5d8305716"
    for body in (ask(world.editor.id), {"subject": 1}):
        response = call(
            idp, "/access/v1/evaluation", token, body, headers={"X-Request-ID": request_id}
        )
        assert response.headers["x-request-id"] == request_id
    assert "x-request-id" not in call(idp, "/access/v1/evaluation", token, {}).headers
