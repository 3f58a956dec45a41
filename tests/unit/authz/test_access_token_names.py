"""Where a claim mapping puts, in access tokens, what a principal is read from: what
the policy bundle tells the SDK (idp.authz.claims.access_token_names)."""

from __future__ import annotations

from idp.authz.claims import ClaimMapping, access_token_names, make_rule
from idp.authz.entities import group, role
from idp.authz.token_principals import MAPPING_CLAIM, NO_CLAIMS, ClaimNames, principal_of


def token_of(mapping: ClaimMapping) -> dict[str, object]:
    """A docs token that carries roles and groups, released by ``mapping``."""
    return {
        "sub": "u",
        "client_id": "docs",
        "roles": ["editor"],
        "groups": ["staff"],
        MAPPING_CLAIM: mapping.digest,
    }


def test_the_defaults_name_each_source_by_its_own_claim():
    mapping = ClaimMapping(
        (
            make_rule("roles"),
            make_rule("client_roles"),
            make_rule("resource_access"),
            make_rule("groups"),
            make_rule("permissions"),
            make_rule("attribute", attribute="clearance"),
        )
    )
    assert access_token_names(mapping) == ClaimNames(
        "roles",
        "client_roles",
        "resource_access",
        "groups",
        {"clearance": "clearance"},
        mapping=mapping.digest,
    )


def test_a_moved_source_is_read_where_it_went_and_nothing_else_there():
    mapping = ClaimMapping(
        (
            make_rule("client_roles", claim="roles"),
            make_rule("attribute", attribute="clearance", claim="clr"),
        )
    )
    names = access_token_names(mapping)
    assert names == ClaimNames(
        client_roles="roles", attributes={"clearance": "clr"}, mapping=mapping.digest
    )
    claims = token_of(mapping)
    assert principal_of(claims, (), names).parents == (role("docs/editor"),)


def test_a_source_kept_out_of_access_tokens_is_not_read():
    mapping = ClaimMapping(
        (
            make_rule("roles", targets=["id_token", "userinfo"]),
            make_rule("groups", targets=["access_token"]),
        )
    )
    names = access_token_names(mapping)
    assert names == ClaimNames(groups="groups", mapping=mapping.digest)
    claims = token_of(mapping)
    assert principal_of(claims, (), names).parents == (group("staff"),)


def test_of_two_rules_for_one_source_the_first_is_read():
    mapping = ClaimMapping((make_rule("roles", claim="r1"), make_rule("roles", claim="r2")))
    assert access_token_names(mapping).roles == "r1"


def test_a_client_without_a_mapping_gives_its_tokens_nothing():
    claims = {"sub": "u", "client_id": "docs", "roles": ["editor"], "groups": ["staff"]}
    assert principal_of(claims, (), NO_CLAIMS).parents == ()


def test_a_token_of_another_mapping_is_read_as_carrying_nothing():
    """Issued before the mapping changed (or after a change the bundle does not hold):
    its roles claim may hold what this mapping puts elsewhere."""
    before = ClaimMapping((make_rule("roles"),))
    after = before.with_rule(make_rule("client_roles", claim="roles"))
    assert before.digest != after.digest
    names = access_token_names(after)
    token = {"sub": "u", "client_id": "docs", "roles": ["editor"], MAPPING_CLAIM: before.digest}
    assert principal_of(token, (), names).parents == ()
    assert principal_of(token | {MAPPING_CLAIM: after.digest}, (), names).parents == (
        role("docs/editor"),
    )
    assert (
        principal_of({k: v for k, v in token.items() if k != MAPPING_CLAIM}, (), names).parents
        == ()
    )


def test_the_digest_moves_with_the_mapping_only():
    mapping = ClaimMapping((make_rule("roles"), make_rule("groups")))
    assert mapping.digest == ClaimMapping((make_rule("roles"), make_rule("groups"))).digest
    assert mapping.digest != ClaimMapping((make_rule("groups"), make_rule("roles"))).digest
    assert mapping.digest != ClaimMapping(mapping.rules, max_values=10).digest
