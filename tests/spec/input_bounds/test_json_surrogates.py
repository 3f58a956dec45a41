"""JSON bodies with an unpaired surrogate escape ("\\ud800"): well-formed JSON text
(RFC 8259 §7) that names no Unicode character (§8.2), so neither storage nor Cedar can
take it. Every JSON API refuses it with a 400 before it reaches either; a paired one (an
emoji written as two escapes) is a character like any other."""

from __future__ import annotations

import httpx
import pytest

from tests.support.admin_api import admin, assert_problem
from tests.support.authzen import evaluator_token
from tests.support.server import RunningIdp

LONE = '"\\ud800"'
PAIRED = '"\\ud83d\\ude00"'  # U+1F600


def post_json(idp: RunningIdp, path: str, token: str, text: str) -> httpx.Response:
    return httpx.post(
        idp.base_url + path,
        content=text.encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=30,
    )


@pytest.fixture(scope="module")
def evaluator(idp: RunningIdp) -> str:
    return evaluator_token(idp)[1]


@pytest.mark.parametrize(
    "body",
    [
        '{"subject": {"type": "user", "id": %s}, "action": {"name": "read"},'
        ' "resource": {"type": "Document", "id": "d"}}',
        '{"subject": {"type": "user", "id": "u"}, "action": {"name": %s},'
        ' "resource": {"type": "Document", "id": "d"}}',
        '{"subject": {"type": "user", "id": "u"}, "action": {"name": "read"},'
        ' "resource": {"type": "Document", "id": "d", "properties": {"owner": {"__entity":'
        ' {"type": "User", "id": %s}}}}}',
    ],
)
def test_the_decision_api_refuses_a_lone_surrogate(idp, evaluator, body):
    response = post_json(idp, "/access/v1/evaluation", evaluator, body % LONE)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"
    assert "surrogate" in response.json()["error_description"]


def test_a_paired_surrogate_is_a_character(idp, evaluator):
    body = (
        '{"subject": {"type": "user", "id": %s}, "action": {"name": "read"},'
        ' "resource": {"type": "Document", "id": "d"}}'
    )
    response = post_json(idp, "/access/v1/evaluation", evaluator, body % PAIRED)
    assert response.status_code == 200, response.text
    assert response.json()["decision"] is False  # no such user: a deny, never an error


def test_the_admin_api_refuses_a_lone_surrogate_and_stores_nothing(idp):
    caller = admin(idp)
    body = '{"name": "surrogates", "description": ' + LONE + "}"
    response = post_json(idp, "/admin/v1/roles", caller.token, body)
    assert_problem(response, 400)
    assert_problem(caller.call("GET", "/roles/surrogates"), 404)
