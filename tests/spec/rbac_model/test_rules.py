"""The RBAC model's rules, in process (idp.authz): composite roles, nested groups, the
cycles they refuse (NIST RBAC, ANSI INCITS 359-2004 §6.2: the role hierarchy is a
partial order), names and permissions, typed attributes, the second factor the
effective roles and groups require, and the claim mapping's checks and bounds."""

from __future__ import annotations

from dataclasses import replace

import pytest

from idp.authz.claims import (
    TRUNCATED_CLAIM,
    ClaimMapping,
    Target,
    UserAccess,
    check_mapping,
    make_rule,
    release,
)
from idp.authz.model import (
    Assignments,
    AttributeType,
    AuthzError,
    CycleError,
    Group,
    Model,
    Role,
    RoleRef,
    check_attribute,
    check_permission,
    parse_attribute,
)
from idp.authz.roles import check_composite, check_parent, effective, groups_below, roles_including


def ref(text: str) -> RoleRef:
    return RoleRef.parse(text)


def model() -> Model:
    """owner includes editor includes viewer; groups company > docs-team > reviewers."""
    roles = {
        ref("viewer"): Role(ref("viewer"), permissions=frozenset({"document:read"})),
        ref("editor"): Role(
            ref("editor"),
            composites=frozenset({ref("viewer")}),
            permissions=frozenset({"document:write"}),
        ),
        ref("owner"): Role(
            ref("owner"),
            composites=frozenset({ref("editor")}),
            permissions=frozenset({"document:share"}),
        ),
        ref("docs/admin"): Role(ref("docs/admin"), permissions=frozenset({"settings:write"})),
    }
    groups = {
        "company": Group("company", roles=frozenset({ref("viewer")})),
        "docs-team": Group("docs-team", parent="company", roles=frozenset({ref("editor")})),
        "reviewers": Group("reviewers", parent="docs-team"),
        "other": Group("other", roles=frozenset({ref("owner")})),
    }
    return Model(roles, groups)


def test_a_composite_brings_what_it_includes_transitively():
    held = effective(model(), Assignments(roles=frozenset({ref("owner")})))
    assert [str(r) for r in held.roles] == ["editor", "owner", "viewer"]
    assert held.permissions == ("document:read", "document:share", "document:write")


def test_members_inherit_the_roles_of_their_group_and_its_ancestors():
    held = effective(model(), Assignments(groups=frozenset({"reviewers"})))
    assert held.groups == ("company", "docs-team", "reviewers")
    assert [str(r) for r in held.roles] == ["editor", "viewer"]
    assert "document:share" not in held.permissions


def test_client_roles_are_namespaced_by_client():
    held = effective(model(), Assignments(roles=frozenset({ref("docs/admin")})))
    assert held.realm_roles() == []
    assert held.client_roles("docs") == ["admin"]
    assert held.client_roles("other") == []
    assert held.resource_access() == {"docs": {"roles": ["admin"]}}


def test_a_composite_cycle_is_refused_naming_it__incits_359_s6_2():
    with pytest.raises(CycleError) as refused:
        check_composite(model(), ref("viewer"), ref("owner"))
    assert str(refused.value) == "composite role cycle refused: viewer -> owner -> editor -> viewer"


def test_a_role_cannot_include_itself():
    with pytest.raises(CycleError, match="viewer -> viewer"):
        check_composite(model(), ref("viewer"), ref("viewer"))


def test_a_group_cycle_is_refused_naming_it():
    with pytest.raises(CycleError) as refused:
        check_parent(model(), "company", "reviewers")
    assert str(refused.value) == "group cycle refused: company -> reviewers -> docs-team -> company"
    with pytest.raises(CycleError):
        check_parent(model(), "other", "other")


def test_allowed_nesting_and_composition_pass():
    check_composite(model(), ref("owner"), ref("docs/admin"))
    check_parent(model(), "other", "reviewers")


def test_who_a_change_reaches():
    assert groups_below(model(), ["docs-team"]) == {"docs-team", "reviewers"}
    assert roles_including(model(), ref("viewer")) == {ref("viewer"), ref("editor"), ref("owner")}


def requiring_mfa(role: str | None = None, group: str | None = None) -> Model:
    """The model with ``role`` or ``group`` requiring a second factor."""
    base = model()
    roles = dict(base.roles)
    groups = dict(base.groups)
    if role is not None:
        roles[ref(role)] = replace(roles[ref(role)], mfa_required=True)
    if group is not None:
        groups[group] = replace(groups[group], mfa_required=True)
    return Model(roles, groups)


@pytest.mark.parametrize(
    ("required_model", "assignments", "required"),
    [
        (model(), Assignments(roles=frozenset({ref("owner")})), False),
        # A role included by a composite the user holds, at any depth.
        (requiring_mfa(role="viewer"), Assignments(roles=frozenset({ref("owner")})), True),
        # A role given by an ancestor of the user's group.
        (requiring_mfa(role="viewer"), Assignments(groups=frozenset({"reviewers"})), True),
        # An ancestor group of the user's group.
        (requiring_mfa(group="company"), Assignments(groups=frozenset({"reviewers"})), True),
        # Not a role the user's roles do not include, nor a group below theirs.
        (requiring_mfa(role="owner"), Assignments(roles=frozenset({ref("editor")})), False),
        (requiring_mfa(group="reviewers"), Assignments(groups=frozenset({"docs-team"})), False),
    ],
)
def test_mfa_is_required_by_any_effective_role_or_group(required_model, assignments, required):
    assert effective(required_model, assignments).mfa_required is required


def test_unknown_roles_given_are_ignored():
    held = effective(model(), Assignments(roles=frozenset({ref("gone")}), groups=frozenset({"x"})))
    assert held.roles == held.groups == held.permissions == ()


@pytest.mark.parametrize("text", ["", "a b", "-x", "x" * 65, "/name", "a:b", "x\x00"])
def test_bad_role_names_are_refused(text):
    with pytest.raises(AuthzError):
        RoleRef.parse(text)


@pytest.mark.parametrize(
    "permission", ["document:read", "billing/invoice:approve", "a.b:c-d", "x:y_z"]
)
def test_permissions_are_resource_action(permission):
    assert check_permission(permission) == permission


@pytest.mark.parametrize(
    "permission",
    ["document", ":read", "document:", "a:b:c", "doc ument:read", "a:*", "a" * 70 + ":b"],
)
def test_bad_permissions_are_refused(permission):
    with pytest.raises(AuthzError, match="resource:action"):
        check_permission(permission)


def test_attributes_are_typed_and_bounded():
    assert parse_attribute("clearance", AttributeType.NUMBER, "3") == 3
    assert parse_attribute("ratio", AttributeType.NUMBER, "0.5") == 0.5
    assert parse_attribute("active", AttributeType.BOOLEAN, "true") is True
    assert parse_attribute("tags", AttributeType.STRING_LIST, ["a", "b", "a"]) == ("a", "b")
    for name, kind, text in [
        ("clearance", AttributeType.NUMBER, "high"),
        ("clearance", AttributeType.NUMBER, "nan"),
        ("active", AttributeType.BOOLEAN, "yes"),
        ("Bad-Name", AttributeType.STRING, "x"),
        ("note", AttributeType.STRING, "x" * 1025),
        ("note", AttributeType.STRING, "bell\x07"),
    ]:
        with pytest.raises(AuthzError):
            parse_attribute(name, kind, text)
    with pytest.raises(AuthzError):
        check_attribute("tags", ["x"] * 65)
    with pytest.raises(AuthzError):
        check_attribute("nested", {"a": 1})


def access() -> UserAccess:
    held = effective(model(), Assignments(roles=frozenset({ref("owner"), ref("docs/admin")})))
    return UserAccess(held, {"clearance": 3})


def test_release_follows_scope_and_target():
    mapping = ClaimMapping(
        (
            make_rule("roles"),
            make_rule("client_roles", claim="docs_roles", targets=["access_token"]),
            make_rule("attribute", attribute="clearance", scope="documents"),
        )
    )
    claims = release(
        access(), mapping, client_id="docs", granted=frozenset({"roles"}), target=Target.ID_TOKEN
    )
    assert claims == {"roles": ["editor", "owner", "viewer"]}
    claims = release(
        access(),
        mapping,
        client_id="docs",
        granted=frozenset({"roles", "documents"}),
        target=Target.ACCESS_TOKEN,
    )
    assert claims == {
        "roles": ["editor", "owner", "viewer"],
        "docs_roles": ["admin"],
        "clearance": 3,
        "claim_mapping": mapping.digest,  # an access token names the mapping behind it
    }


def test_release_cuts_beyond_max_values_and_names_the_claim():
    mapping = ClaimMapping((make_rule("permissions"),), max_values=2)
    claims = release(
        access(),
        mapping,
        client_id="docs",
        granted=frozenset({"permissions"}),
        target=Target.USERINFO,
    )
    assert claims == {
        "permissions": ["document:read", "document:share"],
        TRUNCATED_CLAIM: ["permissions"],
    }


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"source": "secrets"}, "claim source"),
        ({"source": "roles", "claim": "sub"}, "reserved"),
        ({"source": "roles", "claim": "has space"}, "claim name"),
        ({"source": "roles", "targets": ["cookie"]}, "targets"),
        ({"source": "attribute"}, "names its attribute"),
        ({"source": "roles", "attribute": "x"}, "only an attribute"),
        ({"source": "roles", "scope": "bad scope"}, "scope token"),
    ],
)
def test_bad_mappings_are_refused_at_configuration(rule, message):
    with pytest.raises(AuthzError, match=message):
        make_rule(**rule)


def test_mapping_bounds_are_checked():
    with pytest.raises(AuthzError, match="max values"):
        check_mapping(ClaimMapping((), max_values=0))
    with pytest.raises(AuthzError, match="max bytes"):
        check_mapping(ClaimMapping((), max_bytes=100_000))
    with pytest.raises(AuthzError, match="at most 16"):
        check_mapping(
            ClaimMapping(tuple(make_rule("attribute", attribute=f"a{i}") for i in range(17)))
        )
    with pytest.raises(AuthzError, match="each claim once"):
        check_mapping(ClaimMapping((make_rule("roles"), make_rule("groups", claim="roles"))))


def test_a_mapping_round_trips_through_json():
    mapping = ClaimMapping((make_rule("groups", targets=["id_token"]),), max_values=7)
    assert ClaimMapping.from_json(mapping.to_json()) == mapping
