"""A change to roles, groups or memberships reaches the next token once the node's
cache has moved (on another node too), never an issued one; the size bound cuts
values and says so (idp.authz.claims); the change is announced to the user's
receivers as a CAEP token-claims-change event (CAEP 1.0 §3.2)."""

from __future__ import annotations

import json

from idp.authz.claims import ClaimMapping, make_rule
from tests.spec.token_claims.conftest import ALL_SCOPES, authz, docs_app
from tests.support.assertions import claims_of
from tests.support.cluster import running_cluster
from tests.support.databases import database_url
from tests.support.flows import create_user
from tests.support.relying_party import introspection, refreshed, security_events, web_app
from tests.support.sign_in import sign_in


def test_a_role_change_reaches_the_next_refresh_after_the_cache_moves(idp_on_each_backend, docs):
    idp = idp_on_each_backend
    tokens = sign_in(idp, docs.app, docs.user, scope=ALL_SCOPES)
    first = claims_of(tokens["access_token"])
    suffix = docs.app.client_id[:6]
    with idp.provider.store() as store:
        authz(idp, store).remove_member(f"writers-{suffix}", docs.user.id)
    idp.provider.refresh_caches()
    after = claims_of(refreshed(idp, docs.app, tokens["refresh_token"])["access_token"])
    assert first["permissions"] == ["document:read", "document:write"]
    assert "permissions" not in after  # no group left: no role, no permission
    assert "roles" not in after
    assert after["docs_roles"] == ["owner"]  # the direct client role stays


def test_a_change_emits_token_claims_change_with_the_new_values__caep_s3_2(
    idp_on_each_backend, docs
):
    idp = idp_on_each_backend
    suffix = docs.app.client_id[:6]
    with idp.provider.store() as store:
        authz(idp, store).revoke_permission(f"editor-{suffix}", "document:write")
    events = [
        event
        for event in security_events(idp, docs.user.id)
        if event["event_type"].endswith("/token-claims-change")
    ]
    assert events[-1]["detail"]["claims"] == {"permissions": ["document:read"]}
    assert events[-1]["detail"]["actor"] == "operator"


def test_values_beyond_the_bound_are_cut_and_named(idp_on_each_backend):
    idp = idp_on_each_backend
    app = docs_app(idp, ClaimMapping((make_rule("roles"), make_rule("groups")), max_values=3))
    user = create_user(idp)
    suffix = app.client_id[:6]
    roles = [f"r{index}-{suffix}" for index in range(5)]
    with idp.provider.store() as store:
        admin = authz(idp, store)
        for role in roles:
            admin.create_role(role)
            admin.assign_role(user.id, role)
        admin.create_group(f"g-{suffix}")
        admin.add_member(f"g-{suffix}", user.id)
    idp.provider.refresh_caches()
    access = claims_of(sign_in(idp, app, user, scope=ALL_SCOPES)["access_token"])
    assert access["roles"] == sorted(roles)[:3]
    assert access["groups"] == [f"g-{suffix}"]
    assert access["truncated_claims"] == ["roles"]


def test_the_byte_bound_keeps_tokens_small(idp_on_each_backend):
    idp = idp_on_each_backend
    app = docs_app(idp, ClaimMapping((make_rule("roles"),), max_values=200, max_bytes=256))
    user = create_user(idp)
    suffix = app.client_id[:6]
    with idp.provider.store() as store:
        admin = authz(idp, store)
        for index in range(40):
            role = f"a-rather-long-role-name-{index:02}-{suffix}"
            admin.create_role(role)
            admin.assign_role(user.id, role)
    idp.provider.refresh_caches()
    access = claims_of(sign_in(idp, app, user, scope=ALL_SCOPES)["access_token"])
    assert 0 < len(access["roles"]) < 40
    assert len(json.dumps(access["roles"])) <= 256
    assert access["truncated_claims"] == ["roles"]


def test_a_role_change_reaches_a_second_node(tmp_path):
    with (
        database_url("sqlite", tmp_path) as url,
        running_cluster(url, tmp_path, 2) as (first, second),
    ):
        app = docs_app(first)
        user = create_user(first)
        tokens = sign_in(first, app, user, scope=ALL_SCOPES)
        assert "roles" not in claims_of(tokens["access_token"])
        refreshed_before = refreshed(second, app, tokens["refresh_token"])
        assert "roles" not in claims_of(refreshed_before["access_token"])
        with first.provider.store() as store:
            admin = authz(first, store)
            admin.create_role("approver")
            admin.assign_role(user.id, "approver")
        second.provider.refresh_caches()  # what its refresher does every poll interval
        again = refreshed(second, app, refreshed_before["refresh_token"])
        assert claims_of(again["access_token"])["roles"] == ["approver"]


def test_other_clients_tokens_are_untouched(idp_on_each_backend, docs):
    idp = idp_on_each_backend
    other = web_app(idp, scope=ALL_SCOPES)
    access = claims_of(sign_in(idp, other, docs.user, scope=ALL_SCOPES)["access_token"])
    assert not {"roles", "groups", "permissions", "clearance"} & set(access)


def test_introspection_answers_with_what_the_user_holds_now__rfc7662_s2_2(
    idp_on_each_backend, docs
):
    """The token keeps what it was issued with; introspection (served from memory when
    the node holds the user, else read again off the event loop) tells the present."""
    idp = idp_on_each_backend
    tokens = sign_in(idp, docs.app, docs.user, scope=ALL_SCOPES)
    suffix = docs.app.client_id[:6]
    with idp.provider.store() as store:
        authz(idp, store).remove_member(f"writers-{suffix}", docs.user.id)
    idp.provider.refresh_caches()  # the node now holds no user at all
    assert not idp.provider.access.holds(docs.user.id)
    body = introspection(idp, docs.app, tokens["access_token"])
    assert body["active"] is True
    assert "permissions" not in body
    assert body["docs_roles"] == ["owner"]
    assert claims_of(tokens["access_token"])["permissions"] == ["document:read", "document:write"]
