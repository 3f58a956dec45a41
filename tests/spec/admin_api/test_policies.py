"""The realm's policies over the admin API: the current version with its ETag; a
publication must name the version it replaces (If-Match, strong comparison; the first
one If-None-Match: *), else 428 (RFC 6585 §3), and a stale one is 412 (RFC 9110
§13.1.1) with nothing stored; policies that do not validate are 422 listing every
problem with its policy id, line and column; versions never change and a rollback
publishes an old one's content as the next; each publication is recorded with the
calling client as its actor, and the decision point moves to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.admin_api import Admin, admin, assert_problem
from tests.support.databases import database_url
from tests.support.polling import eventually
from tests.support.race import all_at_once
from tests.support.server import RunningIdp, running_idp

DECLARATION = {
    "user_attributes": [{"name": "clearance", "type": "long", "required": False}],
    "resource_types": [
        {"name": "Folder"},
        {
            "name": "Document",
            "member_of": ["Folder"],
            "attributes": [{"name": "classification", "type": "long"}],
        },
    ],
    "actions": [
        {"name": "read", "resource_types": ["Document", "Folder"], "principal_types": ["User"]},
        {"name": "edit", "resource_types": ["Document"]},
    ],
}
EDITORS = 'permit(principal in Role::"editor", action == Action::"edit", resource);\n'
CLEARED = (
    'permit(principal, action == Action::"read", resource is Document)\n'
    "  when { principal has clearance && principal.clearance >= resource.classification };\n"
)


def body(*policies: tuple[str, str], **extra):
    return {
        "declaration": DECLARATION,
        "policies": [{"id": pid, "text": text} for pid, text in policies],
        **extra,
    }


def current_etag(caller: Admin) -> str | None:
    response = caller.call("GET", "/policies")
    return response.headers["etag"] if response.status_code == 200 else None


def publish(caller: Admin, *policies: tuple[str, str], **extra):
    """Publish over whatever is current; the response."""
    etag = current_etag(caller)
    headers = {"If-Match": etag} if etag else {"If-None-Match": "*"}
    response = caller.call("PUT", "/policies", json=body(*policies, **extra), headers=headers)
    assert response.status_code in (200, 201), response.text
    return response


@pytest.fixture
def fresh_idp(tmp_path: Path) -> Iterator[RunningIdp]:
    """A server where nothing is published yet."""
    with database_url("sqlite", tmp_path) as url, running_idp(url, tmp_path) as server:
        yield server


def test_the_first_publication_is_conditional_on_there_being_none__rfc9110_s13_1_2(fresh_idp):
    caller = admin(fresh_idp)
    assert_problem(caller.call("GET", "/policies"), 404)
    assert caller.call("GET", "/policies/versions").json() == []
    new = body(("editors", EDITORS))
    problem = assert_problem(caller.call("PUT", "/policies", json=new), 428)
    assert "If-Match" in problem["detail"]
    assert_problem(caller.call("PUT", "/policies", json=new, headers={"If-Match": '"1"'}), 412)

    first = caller.call("PUT", "/policies", json=new, headers={"If-None-Match": "*"})
    assert first.status_code == 201, first.text
    assert first.headers["etag"] == '"1"'
    assert first.headers["content-location"] == "/admin/v1/policies/versions/1"
    assert first.json()["number"] == 1

    current = caller.call("GET", "/policies")
    assert current.headers["etag"] == '"1"'
    assert current.json()["declaration"]["actions"][0]["name"] == "read"
    assert current.json()["policies"] == [{"id": "editors", "text": EDITORS}]
    again = caller.call("PUT", "/policies", json=new, headers={"If-None-Match": "*"})
    assert_problem(again, 412)


def test_a_publication_replaces_the_version_it_names_and_a_stale_one_is_412(idp, caller):
    publish(caller, ("editors", EDITORS))
    seen = current_etag(caller)
    assert seen is not None
    response = caller.call(
        "PUT", "/policies", json=body(("cleared", CLEARED)), headers={"If-Match": seen}
    )
    assert response.status_code == 200, response.text
    number = response.json()["number"]
    assert response.headers["etag"] == f'"{number}"' != seen

    # Another administrator, who also saw `seen`, does not overwrite it unknowingly.
    stale = caller.call(
        "PUT", "/policies", json=body(("editors", EDITORS)), headers={"If-Match": seen}
    )
    problem = assert_problem(stale, 412)
    assert f'"{number}"' in problem["detail"]
    weak = caller.call(
        "PUT", "/policies", json=body(("editors", EDITORS)), headers={"If-Match": f'W/"{number}"'}
    )
    assert_problem(weak, 412)  # If-Match compares strongly
    assert caller.call("GET", "/policies/versions", params={"limit": 1}).json()[0]["number"] == (
        number
    )
    assert eventually(lambda: idp.provider.decision_point.current_version().number == number)


def test_policies_that_do_not_validate_are_422_listing_every_problem(caller):
    before = current_etag(caller) or '"0"'
    response = caller.call(
        "PUT",
        "/policies",
        json=body(
            ("good", EDITORS),
            ("typo", 'permit(principal, action == Action::"raed", resource);'),
            ("syntax", "permit(principal,\n  action resource);"),
            ("deep", "permit(principal, action, resource)\n  when { " + "(" * 40 + "true };"),
        ),
        headers={"If-Match": before} if before != '"0"' else {"If-None-Match": "*"},
    )
    problem = assert_problem(response, 422, "urn:tessera:problem:invalid-policies")
    by_id = {error["policy_id"]: error for error in problem["errors"]}
    assert set(by_id) == {"typo", "syntax", "deep"}
    assert (by_id["deep"]["line"], by_id["deep"]["column"]) == (2, 41)  # where known
    assert all(error["message"] for error in problem["errors"])
    assert (current_etag(caller) or '"0"') == before  # nothing stored


def test_a_declaration_that_does_not_hold_is_422(caller):
    declaration = {**DECLARATION, "actions": [{"name": "read", "resource_types": ["Nowhere"]}]}
    response = publish_raw(caller, {"declaration": declaration, "policies": []})
    problem = assert_problem(response, 422)
    assert "Nowhere" in problem["detail"]


@pytest.mark.parametrize(
    "document",
    [
        {"policies": "not a list"},
        {"policies": [{"id": "x"}]},
        {"policies": [], "colour": "red"},
        {"policies": [], "declaration": {"actions": "no"}},
        {"policies": []},  # no declaration: not an empty one
        {"declaration": {}},  # no policies: not an empty set
    ],
)
def test_a_malformed_publication_is_400(caller, document):
    problem = assert_problem(publish_raw(caller, document), 400)
    assert problem["detail"].startswith("body")


def test_the_comment_is_a_string(caller):
    response = publish_raw(caller, {"policies": [], "comment": 5})
    problem = assert_problem(response, 400, "urn:tessera:problem:invalid-field")
    assert problem["field"] == "comment"


def test_a_publication_is_json__rfc9110_s15_5_16(caller):
    response = caller.call("PUT", "/policies", content=b"x", headers={"If-None-Match": "*"})
    assert_problem(response, 415)


def test_versions_are_kept_and_a_rollback_republishes_one(caller):
    first = publish(caller, ("editors", EDITORS), comment="editors only").json()["number"]
    second = publish(caller, ("cleared", CLEARED)).json()["number"]
    versions = caller.call("GET", "/policies/versions").json()
    assert [v["number"] for v in versions[:2]] == [second, first]
    assert versions[1]["comment"] == "editors only"
    old = caller.call("GET", f"/policies/versions/{first}")
    assert old.headers["etag"] == f'"{first}"'
    assert old.json()["policies"] == [{"id": "editors", "text": EDITORS}]

    stale = caller.call(
        "POST", f"/policies/versions/{first}/rollback", headers={"If-Match": f'"{first}"'}
    )
    assert_problem(stale, 412)
    back = caller.call(
        "POST", f"/policies/versions/{first}/rollback", headers={"If-Match": f'"{second}"'}
    )
    assert back.status_code == 201, back.text
    third = back.json()
    assert (third["number"], third["rollback_of"]) == (second + 1, first)
    assert back.headers["location"] == f"/admin/v1/policies/versions/{second + 1}"
    assert caller.call("GET", "/policies").json()["policies"] == old.json()["policies"]
    assert_problem(caller.call("POST", "/policies/versions/999999/rollback"), 404)
    assert_problem(caller.call("GET", "/policies/versions/999999"), 404)
    assert_problem(caller.call("GET", "/policies/versions/0"), 400)


def test_each_publication_is_recorded_with_the_calling_client(caller):
    number = publish(caller, ("editors", EDITORS)).json()["number"]
    version = caller.call("GET", f"/policies/versions/{number}").json()["version"]
    assert version["actor"] == f"client:{caller.client_id}"
    [change] = caller.call("GET", "/authz/changes", params={"limit": 1}).json()
    assert (change["action"], change["target"]) == ("policies.publish", f"policies/{number}")
    assert change["actor"] == f"client:{caller.client_id}"


def publish_raw(caller: Admin, document: dict) -> object:
    etag = current_etag(caller)
    headers = {"If-Match": etag} if etag else {"If-None-Match": "*"}
    return caller.call("PUT", "/policies", json=document, headers=headers)


def test_two_publications_based_on_one_version_one_wins__rfc9110_s13_1_1(caller):
    """Both read version n and publish at once: the store numbers them under its lock,
    so the second sees that n is no longer the newest (412) and stores nothing."""
    publish(caller, ("editors", EDITORS))
    seen = current_etag(caller)
    assert seen is not None

    def put(policy: tuple[str, str]) -> int:
        response = caller.call("PUT", "/policies", json=body(policy), headers={"If-Match": seen})
        return response.status_code

    statuses = all_at_once([lambda: put(("editors", EDITORS)), lambda: put(("cleared", CLEARED))])
    assert sorted(statuses) == [200, 412]
    newest = caller.call("GET", "/policies/versions", params={"limit": 2}).json()
    assert newest[1]["number"] == int(seen.strip('"'))
