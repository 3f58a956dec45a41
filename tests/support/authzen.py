"""A Policy Enforcement Point's side of the decision API (AuthZEN 1.0): a client with
``access.evaluate``, its client-credentials token, the calls; and a published policy
set over the document application (tests/support/cedar_apps.py) with a user in a group
that holds a role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from idp.authn.users import User
from idp.authz.authzen import ACCESS_EVALUATE
from idp.authz.management import Authz
from idp.authz.policies import PolicySource
from idp.authz.policy_store import publish
from tests.support.cedar_apps import DOCUMENTS, MFA, USER_ATTRIBUTES
from tests.support.flows import create_user
from tests.support.polling import eventually
from tests.support.relying_party import service_app, service_token
from tests.support.server import RunningIdp

TIMEOUT = 30
POLICIES = {
    "editors-write": 'permit(principal in Role::"editor", action in Action::"write", resource);',
    "editors-read": 'permit(principal in Role::"editor", action == Action::"read", resource);',
    "owner-all": "permit(principal, action, resource is Document) "
    "when { resource.owner == principal };",
    "clients-read": 'permit(principal is Client, action == Action::"read", resource);',
    "clearance": "forbid(principal is User, action, resource is Document) "
    "unless { principal.clearance >= resource.classification };",
    "delete-needs-mfa": 'forbid(principal, action == Action::"delete", resource) '
    f'unless {{ context.acr == "{MFA}" }};',
}


@dataclass(frozen=True)
class World:
    """Who the tests ask about: ``editor`` is in group ``writers``, which holds role
    ``editor``; ``outsider`` is in nothing; ``unrated`` has no clearance, which the
    policies read (so its decisions on documents cannot be made)."""

    editor: User
    outsider: User
    unrated: User
    reporter: str  # a client acting for itself
    token: str  # a client-credentials token with access.evaluate


def evaluator_token(idp: RunningIdp, scope: str = ACCESS_EVALUATE) -> tuple[str, str]:
    """A PEP client with ``scope`` and its client-credentials token."""
    app = service_app(idp, scope=scope, resources=[])
    return app.client_id, service_token(idp, app)


def build_world(idp: RunningIdp) -> World:
    editor, outsider, unrated = create_user(idp), create_user(idp), create_user(idp)
    with idp.provider.store() as store:
        authz = Authz(store, idp.clock.now())
        authz.create_role("editor")
        authz.create_group("writers")
        authz.add_group_role("writers", "editor")
        authz.add_member("writers", editor.id)
        authz.set_attribute(editor.id, "clearance", 2)
        authz.set_attribute(outsider.id, "clearance", 0)
        sources = [PolicySource(pid, text) for pid, text in POLICIES.items()]
        publish(
            store, DOCUMENTS, sources, "tests", None, idp.clock.now(),
            user_attributes=USER_ATTRIBUTES,
        )  # fmt: skip
    reporter, token = evaluator_token(idp)
    world = World(editor, outsider, unrated, reporter, token)
    # the node's decision point moves to the new version within its staleness bound
    assert eventually(lambda: decision(idp, token, ask(world.editor.id)) is True, within=10)
    return world


def a_document(name: str = "d1", owner: str = "olive", classification: int = 0) -> dict[str, Any]:
    return {
        "type": "Document",
        "id": name,
        "properties": {
            "owner": {"__entity": {"type": "User", "id": owner}},
            "shared_with": [],
            "classification": classification,
        },
    }


def ask(subject: str, action: str = "read", resource: dict[str, Any] | None = None, **more: Any):
    body = {
        "subject": {"type": "user", "id": subject},
        "action": {"name": action},
        "resource": resource or a_document(),
    }
    return body | more


def call(
    idp: RunningIdp, path: str, token: str | None, body: Any = None, **options: Any
) -> httpx.Response:
    headers = dict(options.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(idp.base_url + path, json=body, headers=headers, timeout=TIMEOUT, **options)


def evaluate(idp: RunningIdp, token: str, body: Any) -> dict[str, Any]:
    response = call(idp, "/access/v1/evaluation", token, body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def decision(idp: RunningIdp, token: str, body: Any) -> bool:
    return bool(evaluate(idp, token, body)["decision"])
