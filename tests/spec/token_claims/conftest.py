"""A document-sharing app whose tokens carry roles, groups, permissions and one
attribute, each released only under its scope (idp.authz.claims)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from idp.authn.users import User
from idp.authz.claims import ClaimMapping, make_rule
from idp.authz.management import Authz
from idp.revocation.events import OPERATOR
from tests.support.flows import create_user
from tests.support.relying_party import App, web_app
from tests.support.server import RunningIdp

ALL_SCOPES = "openid profile email offline_access roles groups permissions attributes"


@dataclass(frozen=True)
class Docs:
    app: App
    user: User


def authz(idp: RunningIdp, store: object) -> Authz:
    return Authz(store, idp.clock.now(), OPERATOR)  # type: ignore[arg-type]


def docs_app(idp: RunningIdp, mapping: ClaimMapping | None = None) -> App:
    app = web_app(idp, scope=ALL_SCOPES)
    mapping = mapping or ClaimMapping(
        (
            make_rule("roles"),
            make_rule("client_roles", claim="docs_roles"),
            make_rule("groups"),
            make_rule("permissions"),
            make_rule("attribute", attribute="clearance"),
        )
    )
    with idp.provider.store() as store:
        store.set_claim_mapping(app.client_id, mapping)
        client = store.load_client(app.client_id)
    assert client is not None
    return App(client, app.secret)


@pytest.fixture
def docs(idp_on_each_backend: RunningIdp) -> Docs:
    """Ada, an editor through the group `writers` (nested in `staff`, which gives
    viewer), with a client role `<client>/owner` and clearance 2."""
    idp = idp_on_each_backend
    app = docs_app(idp)
    user = create_user(idp)
    suffix = app.client_id[:6]
    with idp.provider.store() as store:
        admin = authz(idp, store)
        for role in (f"viewer-{suffix}", f"editor-{suffix}"):
            admin.create_role(role)
        admin.add_composite(f"editor-{suffix}", f"viewer-{suffix}")
        admin.grant_permission(f"viewer-{suffix}", "document:read")
        admin.grant_permission(f"editor-{suffix}", "document:write")
        admin.create_role(f"{app.client_id}/owner")
        admin.create_group(f"staff-{suffix}")
        admin.create_group(f"writers-{suffix}", parent=f"staff-{suffix}")
        admin.add_group_role(f"staff-{suffix}", f"viewer-{suffix}")
        admin.add_group_role(f"writers-{suffix}", f"editor-{suffix}")
        admin.add_member(f"writers-{suffix}", user.id)
        admin.assign_role(user.id, f"{app.client_id}/owner")
        admin.set_attribute(user.id, "clearance", 2)
    idp.provider.refresh_caches()
    return Docs(app, user)
