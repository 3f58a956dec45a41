"""Issue 11, item 5: the SDK decides locally, from a real access token and the signed
policy bundle, what the decision API (OpenID AuthZEN 1.0 §6) decides on the server:
one table of cases, each asked both ways on SQLite and PostgreSQL, both answers the
expected one, down to the deciding policies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from idp.authz.authzen import render_decision
from tests.spec.authz_local_remote.conftest import (
    DEFAULT_MAPPING,
    MOVED_MAPPING,
    SCOPE,
    World,
    docs_app,
)
from tests.support.sign_in import sign_in


def document(
    owner: str = "nobody",
    classification: int = 0,
    shared_with: tuple[str, ...] = (),
    name: str = "d1",
) -> dict[str, Any]:
    """An AuthZEN resource; owner and shared_with name people of the world (or nobody)."""
    return {
        "type": "Document",
        "id": name,
        "properties": {
            "owner": {"__entity": {"type": "User", "id": owner}},
            "shared_with": [{"__entity": {"type": "User", "id": who}} for who in shared_with],
            "classification": classification,
        },
    }


@dataclass(frozen=True)
class Case:
    id: str
    who: str  # a person of the world (name@moved: signed in to the second app), or "pep"
    action: str
    resource: dict[str, Any]
    allowed: bool
    deciding: tuple[str, ...] = ()  # the determining policies (Cedar's reasons)
    failed: bool = False  # the evaluation errored (a deny listing the errors)


CASES = [
    Case("rbac-group-role", "ada", "edit", document(), True, ("editors-write",)),
    Case("rbac-parent-group-role", "ada", "read", document(), True, ("readers-read",)),
    Case("rbac-composite-role", "cy", "edit", document(), True, ("editors-write",)),
    Case("rbac-no-role", "olive", "edit", document(), False),
    Case("dac-owner", "olive", "edit", document(owner="olive"), True, ("owner-all",)),
    Case("dac-shared", "olive", "read", document(shared_with=("olive",)), True, ("shared-read",)),
    Case("dac-shared-is-not-edit", "olive", "edit", document(shared_with=("olive",)), False),
    Case(
        "mac-clearance-enough", "ada", "read", document(classification=2), True, ("readers-read",)
    ),
    Case("mac-clearance-short", "ada", "read", document(classification=3), False, ("clearance",)),
    Case("step-up-missing", "ada", "delete", document(), False, ("delete-needs-mfa",)),
    Case("step-up-done", "mia", "delete", document(), True, ("editors-write",)),
    Case("forbid-over-permit", "sam", "edit", document(), False, ("suspended",)),
    Case("missing-attribute", "una", "edit", document(owner="una"), False, failed=True),
    Case("unknown-action", "ada", "fly", document(), False, failed=True),
    Case("client-for-itself", "pep", "read", document(), True, ("clients-read",)),
    # The second app's mapping: its client roles under roles are not realm roles...
    Case("client-roles-under-roles", "olive@moved", "edit", document(), False),
    # ...and the realm roles are read from where it put them.
    Case("realm-roles-moved", "cy@moved", "edit", document(), True, ("editors-write",)),
]


def with_ids(world: World, resource: dict[str, Any]) -> dict[str, Any]:
    """The resource with the people's names replaced by their user ids (their sub)."""
    ids = {name: person.user.id for name, person in world.people.items()}
    properties = resource["properties"]
    owner = properties["owner"]["__entity"]["id"]
    return resource | {
        "properties": properties
        | {
            "owner": {"__entity": {"type": "User", "id": ids.get(owner, owner)}},
            "shared_with": [
                {"__entity": {"type": "User", "id": ids[entry["__entity"]["id"]]}}
                for entry in properties["shared_with"]
            ],
        }
    }


def claims_of(world: World, who: str) -> dict[str, Any]:
    if who == "pep":
        token = world.pep_token
        return dict(
            world.sdk.validate_access_token(token, audience=world.idp.provider.settings.audience)
        )
    return world.people[who].claims


def remote(world: World, case: Case, claims: dict[str, Any]) -> dict[str, Any]:
    """The decision API, the subject as a PEP describes it from the same token."""
    kind = "client" if case.who == "pep" else "user"
    subject: dict[str, Any] = {"type": kind, "id": claims["sub"]}
    if kind == "user":
        subject["properties"] = {"acr": claims.get("acr", ""), "amr": claims.get("amr", [])}
    body = {
        "subject": subject,
        "action": {"name": case.action},
        "resource": with_ids(world, case.resource),
    }
    response = httpx.post(
        world.idp.base_url + "/access/v1/evaluation",
        json=body,
        headers={"Authorization": f"Bearer {world.pep_token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_sdk_decides_locally_what_the_decision_api_decides(world: World, case: Case):
    claims = claims_of(world, case.who)
    request = {"action": {"name": case.action}, "resource": with_ids(world, case.resource)}
    local = world.local.evaluate(claims, request)
    answer = remote(world, case, claims)

    assert answer["decision"] is case.allowed
    assert local.allowed is case.allowed
    assert tuple(answer["context"].get("policy_ids", ())) == case.deciding
    assert local.policy_ids == case.deciding
    assert bool(answer["context"].get("errors")) is case.failed
    assert bool(local.errors) is case.failed
    assert render_decision(local) == answer  # the same explanation, word for word


def test_a_token_released_by_a_mapping_since_changed_is_read_as_carrying_nothing(world: World):
    """The token names the mapping that released its claims; once the client's mapping
    moves (here: client roles onto roles, realm roles onto realm_roles), a token of the
    old one is not read by the new names, which would take its realm roles for client
    roles. Locally it holds nothing, so it may be denied what the server allows, never
    the reverse; a token of the new mapping is read again."""
    idp = world.idp
    app = docs_app(idp, DEFAULT_MAPPING)
    ada = world.people["ada"].user
    old = world.sdk.validate_access_token(
        sign_in(idp, app, ada, scope=SCOPE)["access_token"],
        audience=idp.provider.settings.audience,
    )
    with idp.provider.store() as store:
        store.set_claim_mapping(app.client_id, MOVED_MAPPING)
    idp.provider.refresh_caches()
    local = world.sdk.local_policies(world.pep.client_id, world.pep.secret)  # the new bundle
    request = {"action": {"name": "edit"}, "resource": document()}

    stale = local.evaluate(old, request)
    assert remote(world, Case("old", "ada", "edit", document(), True), dict(old))["decision"]
    assert stale.allowed is False
    assert "clearance" in stale.explain()  # not read from the token: it is no longer known

    new = world.sdk.validate_access_token(
        sign_in(idp, app, ada, scope=SCOPE)["access_token"],
        audience=idp.provider.settings.audience,
    )
    assert new["claim_mapping"] != old["claim_mapping"]
    assert local.evaluate(new, request).allowed is True
