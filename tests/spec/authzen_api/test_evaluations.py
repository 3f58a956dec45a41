"""AuthZEN 1.0 §7: the Access Evaluations API — many evaluations in one call, the
top-level members as defaults each item overrides (§7.1.1), and the three
``evaluations_semantic`` options (§7.1.2.1)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.authzen import World, a_document, call

OPEN, SECRET = a_document("open"), a_document("secret", classification=9)


def evaluations(idp, world: World, body: dict[str, Any]) -> dict[str, Any]:
    response = call(idp, "/access/v1/evaluations", world.token, body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def decisions(idp, world: World, body: dict[str, Any]) -> list[bool]:
    answer = evaluations(idp, world, body)
    assert "decision" not in answer  # §7.2: omitted beside evaluations, as recommended
    return [item["decision"] for item in answer["evaluations"]]


def test_top_level_members_are_defaults_each_item_overrides__authzen_s7_1_1(idp, world: World):
    body = {
        "subject": {"type": "user", "id": world.editor.id},
        "action": {"name": "read"},
        "evaluations": [
            {"resource": OPEN},
            {"resource": OPEN, "subject": {"type": "user", "id": world.outsider.id}},
            {"resource": OPEN, "action": {"name": "edit"}},
            {"resource": SECRET},
        ],
    }
    assert decisions(idp, world, body) == [True, False, True, False]


def test_without_evaluations_it_answers_one_decision__authzen_s7_1(idp, world: World):
    body = {
        "subject": {"type": "user", "id": world.editor.id},
        "action": {"name": "read"},
        "resource": OPEN,
    }
    assert evaluations(idp, world, body)["decision"] is True
    assert evaluations(idp, world, body | {"evaluations": []})["decision"] is True


@pytest.mark.parametrize(
    ("semantic", "expected"),
    [
        (None, [True, False, True, False]),
        ("execute_all", [True, False, True, False]),
        ("deny_on_first_deny", [True, False]),
        ("permit_on_first_permit", [True]),
    ],
)
def test_each_evaluations_semantic__authzen_s7_1_2_1(idp, world: World, semantic, expected):
    body: dict[str, Any] = {
        "subject": {"type": "user", "id": world.editor.id},
        "action": {"name": "read"},
        "evaluations": [
            {"resource": OPEN},
            {"resource": SECRET},
            {"resource": OPEN},
            {"resource": SECRET},
        ],
    }
    if semantic is not None:
        body["options"] = {"evaluations_semantic": semantic, "another_option": "ignored"}
    assert decisions(idp, world, body) == expected


def test_permit_on_first_permit_goes_past_denials(idp, world: World):
    body = {
        "subject": {"type": "user", "id": world.outsider.id},
        "action": {"name": "read"},
        "options": {"evaluations_semantic": "permit_on_first_permit"},
        "evaluations": [
            {"resource": OPEN},
            {"resource": a_document("mine", owner=world.outsider.id)},
            {"resource": OPEN},
        ],
    }
    assert decisions(idp, world, body) == [False, True]


def test_an_item_that_cannot_be_decided_is_a_deny_among_the_others__authzen_s7_2_1(
    idp, world: World
):
    body = {
        "action": {"name": "read"},
        "resource": OPEN,
        "evaluations": [
            {"subject": {"type": "user", "id": world.editor.id}},
            {"subject": {"type": "user", "id": "nobody"}},
            {"subject": {"type": "user", "id": world.unrated.id}},
        ],
    }
    answer = evaluations(idp, world, body)["evaluations"]
    assert [item["decision"] for item in answer] == [True, False, False]
    assert "is not a known principal" in answer[1]["context"]["errors"][0]["message"]
    assert "clearance" in str(answer[2]["context"]["errors"])
