"""A document application whose policies exercise each way Tessera authorizes (RBAC
through a group's role and a composite role, DAC by owner and sharing, MAC by
clearance, step-up on acr, a forbid over a permit), published on a live server; users
signed in for real, their access tokens carrying roles, groups, client roles and the
clearance attribute; two of them signed in to a second app whose claim mapping puts
its client roles under ``roles`` and the realm roles under ``realm_roles``; and the SDK
holding the server's policy bundle."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from idp.authn.users import User
from idp.authz.authzen import ACCESS_EVALUATE
from idp.authz.claims import ClaimMapping, make_rule
from idp.authz.management import Authz
from idp.authz.policies import PolicySource
from idp.authz.policy_store import publish
from idp.revocation.events import OPERATOR
from idp.rp import LocalPolicies, Provider
from tests.support.cedar_apps import DOCUMENTS, MFA, USER_ATTRIBUTES
from tests.support.flows import Browser, create_user
from tests.support.polling import eventually
from tests.support.relying_party import App, service_app, service_token, web_app
from tests.support.second_factor import enrol, sign_in_with_code, tokens_for
from tests.support.server import RunningIdp
from tests.support.sign_in import sign_in

SCOPE = "openid roles groups attributes"
POLICIES = {
    "editors-write": 'permit(principal in Role::"editor", action in Action::"write", resource);',
    "readers-read": 'permit(principal in Role::"reader", action == Action::"read", resource);',
    "owner-all": "permit(principal, action, resource is Document) "
    "when { resource.owner == principal };",
    "shared-read": 'permit(principal, action == Action::"read", resource is Document) '
    "when { principal in resource.shared_with };",
    "clients-read": 'permit(principal is Client, action == Action::"read", resource);',
    "clearance": "forbid(principal is User, action, resource is Document) "
    "unless { principal.clearance >= resource.classification };",
    "delete-needs-mfa": 'forbid(principal, action == Action::"delete", resource) '
    f'unless {{ context.acr == "{MFA}" }};',
    "suspended": 'forbid(principal in Group::"suspended", action, resource);',
}


@dataclass(frozen=True)
class Person:
    user: User
    token: str  # a real access token of the docs app
    claims: dict[str, Any]  # as the SDK validated it


@dataclass
class World:
    idp: RunningIdp
    pep: App  # a client allowed access.evaluate: the remote calls, the SDK's bundle
    pep_token: str
    people: dict[str, Person]
    sdk: Provider
    local: LocalPolicies


def model(idp: RunningIdp, users: dict[str, User]) -> None:
    """ada: in writers (holding editor; writers in staff, holding reader); cy: given
    chief, which includes editor; sam: in writers and in suspended; mia: in writers,
    signs in with a second factor; olive and una: in nothing, una has no clearance."""
    with idp.provider.store() as store:
        authz = Authz(store, idp.clock.now(), OPERATOR)
        for role in ("reader", "editor", "chief"):
            authz.create_role(role)
        authz.add_composite("chief", "editor")
        authz.create_group("staff")
        authz.create_group("writers", parent="staff")
        authz.create_group("suspended")
        authz.add_group_role("staff", "reader")
        authz.add_group_role("writers", "editor")
        for name in ("ada", "sam", "mia"):
            authz.add_member("writers", users[name].id)
        authz.add_member("suspended", users["sam"].id)
        authz.assign_role(users["cy"].id, "chief")
        for name, clearance in (("ada", 2), ("cy", 1), ("sam", 3), ("mia", 3), ("olive", 0)):
            authz.set_attribute(users[name].id, "clearance", clearance)
        sources = [PolicySource(pid, text) for pid, text in POLICIES.items()]
        publish(
            store, DOCUMENTS, sources, "tests", None, idp.clock.now(),
            user_attributes=USER_ATTRIBUTES,
        )  # fmt: skip
    idp.provider.refresh_caches()


DEFAULT_MAPPING = ClaimMapping(
    (
        make_rule("roles"),
        make_rule("client_roles"),
        make_rule("groups"),
        make_rule("attribute", attribute="clearance"),
    )
)
MOVED_MAPPING = ClaimMapping(
    (
        make_rule("roles", claim="realm_roles"),
        make_rule("client_roles", claim="roles"),
        make_rule("groups"),
        make_rule("attribute", attribute="clearance"),
    )
)


def docs_app(idp: RunningIdp, mapping: ClaimMapping) -> App:
    app = web_app(idp, scope=f"{SCOPE} offline_access")
    with idp.provider.store() as store:
        store.set_claim_mapping(app.client_id, mapping)
        client = store.load_client(app.client_id)
    assert client is not None
    return App(client, app.secret)


def signed_in(idp: RunningIdp, app: App, user: User, sdk: Provider, *, mfa: bool) -> Person:
    if mfa:
        with Browser(idp) as browser:
            query, verifier = sign_in_with_code(
                idp, browser, app.client, enrol(idp, user), scope=SCOPE
            )
        token = tokens_for(idp, app.client, query, verifier, app.secret)["access_token"]
    else:
        token = sign_in(idp, app, user, scope=SCOPE)["access_token"]
    claims = sdk.validate_access_token(token, audience=idp.provider.settings.audience)
    return Person(user, token, dict(claims))


@pytest.fixture(scope="module")
def world(idp_on_each_backend: RunningIdp) -> Iterator[World]:
    idp = idp_on_each_backend
    names = ("ada", "cy", "sam", "mia", "olive", "una")
    users = {name: create_user(idp) for name in names}
    model(idp, users)
    app, moved = docs_app(idp, DEFAULT_MAPPING), docs_app(idp, MOVED_MAPPING)
    with idp.provider.store() as store:  # olive holds the second app's editor role
        authz = Authz(store, idp.clock.now(), OPERATOR)
        authz.create_role(f"{moved.client_id}/editor")
        authz.assign_role(users["olive"].id, f"{moved.client_id}/editor")
    idp.provider.refresh_caches()
    pep = service_app(idp, scope=ACCESS_EVALUATE, resources=[])
    assert eventually(lambda: idp.provider.decision_point.current_version() is not None)
    with Provider(idp.base_url, clock=idp.clock.now) as sdk:
        people = {name: signed_in(idp, app, users[name], sdk, mfa=name == "mia") for name in names}
        for name in ("olive", "cy"):
            people[f"{name}@moved"] = signed_in(idp, moved, users[name], sdk, mfa=False)
        local = sdk.local_policies(pep.client_id, pep.secret)
        assert local.load() == idp.provider.decision_point.current_version().number
        yield World(idp, pep, service_token(idp, pep), people, sdk, local)
