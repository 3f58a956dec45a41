"""AuthZEN 1.0 §9: the Policy Decision Point metadata at
/.well-known/authzen-configuration; §8.6: the Action Search API (the actions the
application's schema declares for the resource type, each decided), paged (§8.3)."""

from __future__ import annotations

import httpx

from tests.support.authzen import World, a_document, call


def test_the_metadata_names_the_pdp_and_its_endpoints__authzen_s9_1(idp):
    response = httpx.get(f"{idp.base_url}/.well-known/authzen-configuration")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    issuer = idp.issuer
    assert response.json() == {
        "policy_decision_point": issuer,  # §9.2.2: the identifier the document is under
        "access_evaluation_endpoint": f"{issuer}/access/v1/evaluation",
        "access_evaluations_endpoint": f"{issuer}/access/v1/evaluations",
        "search_action_endpoint": f"{issuer}/access/v1/search/action",
    }
    assert "max-age=" in response.headers["cache-control"]


def test_subject_and_resource_search_are_not_offered__authzen_s9_1_1(idp, world: World):
    metadata = httpx.get(f"{idp.base_url}/.well-known/authzen-configuration").json()
    assert "search_subject_endpoint" not in metadata
    assert "search_resource_endpoint" not in metadata
    assert call(idp, "/access/v1/search/subject", world.token, {}).status_code == 404


def search(idp, world: World, body):
    response = call(idp, "/access/v1/search/action", world.token, body)
    assert response.status_code == 200, response.text
    return response.json()


def test_action_search_returns_the_permitted_actions__authzen_s8_6(idp, world: World):
    editor = {"type": "user", "id": world.editor.id}
    # the editor reads and edits; delete needs MFA; share needs its context
    assert search(idp, world, {"subject": editor, "resource": a_document()}) == {
        "results": [{"name": "edit"}, {"name": "read"}]
    }
    outsider = {"type": "user", "id": world.outsider.id}
    assert search(idp, world, {"subject": outsider, "resource": a_document()}) == {"results": []}


def test_action_search_pages__authzen_s8_3(idp, world: World):
    body = {
        "subject": {"type": "user", "id": world.editor.id},
        "resource": a_document(),
        "page": {"limit": 1},
    }
    first = search(idp, world, body)
    assert first == {
        "page": {"next_token": "1", "count": 1, "total": 2},
        "results": [{"name": "edit"}],
    }
    body["page"] = {"limit": 1, "token": first["page"]["next_token"]}
    assert search(idp, world, body)["results"] == [{"name": "read"}]
    body["page"] = {"token": "not ours"}
    response = call(idp, "/access/v1/search/action", world.token, body)
    assert response.status_code == 400
