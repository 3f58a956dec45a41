"""The claims a client's mapping releases, in each place it names, under the scope that
gates each (OIDC Core §5.4: scopes request sets of claims; §5.3.2: a claim without a
value is omitted), on SQLite and PostgreSQL over real HTTP."""

from __future__ import annotations

import pytest

from idp.authz.claims import ClaimMapping, make_rule
from tests.spec.token_claims.conftest import ALL_SCOPES, Docs, authz, docs_app
from tests.support.assertions import verify_access_token, verify_id_token
from tests.support.flows import create_user
from tests.support.relying_party import introspection, service_app, service_token, userinfo
from tests.support.sign_in import sign_in

MAPPED = {"roles", "docs_roles", "groups", "permissions", "clearance"}


def expected(docs: Docs) -> dict[str, object]:
    suffix = docs.app.client_id[:6]
    return {
        "roles": sorted([f"editor-{suffix}", f"viewer-{suffix}"]),
        "docs_roles": ["owner"],
        "groups": sorted([f"staff-{suffix}", f"writers-{suffix}"]),
        "permissions": ["document:read", "document:write"],
        "clearance": 2,
    }


def released(idp, docs: Docs, scope: str) -> dict[str, dict[str, object]]:
    tokens = sign_in(idp, docs.app, docs.user, scope=scope)
    access = verify_access_token(idp, tokens["access_token"])
    id_token = verify_id_token(idp, tokens["id_token"], docs.app.client)
    info = userinfo(idp, tokens["access_token"])
    assert info.status_code == 200, info.text
    introspected = introspection(idp, docs.app, tokens["access_token"])
    return {
        "access_token": access,
        "id_token": id_token,
        "userinfo": info.json(),
        "introspection": introspected,
    }


def test_every_place_carries_exactly_the_mapped_claims_when_granted__oidc_core_s5_4(
    idp_on_each_backend, docs
):
    places = released(idp_on_each_backend, docs, ALL_SCOPES)
    want = expected(docs)
    for place, claims in places.items():
        assert {name: claims.get(name) for name in MAPPED} == want, place
        assert "truncated_claims" not in claims, place


@pytest.mark.parametrize(
    ("scope", "claims"),
    [
        ("openid", set()),
        ("openid roles", {"roles", "docs_roles"}),
        ("openid groups", {"groups"}),
        ("openid permissions", {"permissions"}),
        ("openid attributes", {"clearance"}),
    ],
)
def test_each_scope_releases_only_its_claims__oidc_core_s5_4(
    idp_on_each_backend, docs, scope, claims
):
    for place, body in released(idp_on_each_backend, docs, scope).items():
        assert MAPPED & set(body) == claims, place


def test_targets_limit_where_a_claim_goes(idp_on_each_backend):
    idp = idp_on_each_backend
    app = docs_app(
        idp,
        ClaimMapping((make_rule("roles", targets=["introspection", "userinfo"]),)),
    )
    user = create_user(idp)
    role = f"auditor-{app.client_id[:6]}"
    with idp.provider.store() as store:
        admin = authz(idp, store)
        admin.create_role(role)
        admin.assign_role(user.id, role)
    idp.provider.refresh_caches()
    places = released(idp, Docs(app, user), "openid roles")
    assert "roles" not in places["access_token"]
    assert "roles" not in places["id_token"]
    assert places["userinfo"]["roles"] == [role]
    assert places["introspection"]["roles"] == [role]


def test_client_credentials_tokens_carry_no_user_claims(idp_on_each_backend, docs):
    idp = idp_on_each_backend
    service = service_app(idp)
    body = introspection(idp, service, service_token(idp, service))
    assert body["active"] is True
    assert not MAPPED & set(body)
