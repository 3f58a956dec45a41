"""What Cedar policies over Tessera's model can say, decided in process
(idp.authz.engine): plain RBAC over Tessera's hierarchy, DAC (owners and sharing), MAC
(clearance against classification), step-up (`context.acr`), time and address context,
forbid over permit; and every request that cannot be decided is a deny naming why,
never an exception."""

from __future__ import annotations

import datetime as dt
import ipaddress
from decimal import Decimal

import pytest

from idp.authz.cedar_schema import (
    ActionDecl,
    Application,
    AttributeDecl,
    AttributeType,
    ResourceTypeDecl,
    generate_schema,
)
from idp.authz.engine import AccessRequest, Authorizer
from idp.authz.entities import EntityUid, Hierarchy, Principal, Resource, client, group, role, user
from tests.support.cedar_apps import (
    MFA,
    NOON,
    asking,
    document,
    documents_schema,
    folder,
    person,
    policies,
)

SCHEMA = documents_schema()
HIERARCHY = Hierarchy(
    {
        group("backend"): [group("engineering")],  # nested groups
        group("engineering"): [role("editor")],  # a group's role
        role("admin"): [role("editor")],  # a composite role: admin includes editor
        role("editor"): [role("viewer")],
    }
)


def authorizer(*texts: tuple[str, str]) -> Authorizer:
    return Authorizer(policies(SCHEMA, *texts), HIERARCHY)


def decide(engine: Authorizer, request: AccessRequest):
    decision = engine.decide(request)
    assert decision == engine.decide_unsliced(request)
    return decision


RBAC = authorizer(
    ("editors-write", 'permit(principal in Role::"editor", action in Action::"write", resource);'),
    ("viewers-read", 'permit(principal in Role::"viewer", action == Action::"read", resource);'),
)


@pytest.mark.parametrize(
    ("who", "action", "allowed"),
    [
        (person("erin", 1, role("editor")), "edit", True),  # a role held directly
        (person("bea", 1, group("backend")), "delete", True),  # group in group in role
        (person("ada", 1, role("admin")), "edit", True),  # composite role
        (person("vic", 1, role("viewer")), "read", True),
        (person("vic", 1, role("viewer")), "edit", False),  # viewer is not editor
        (person("nobody"), "read", False),
        (Principal(client("indexer"), {}, (role("viewer"),)), "read", True),  # a client
    ],
)
def test_rbac_principal_in_role(who, action, allowed):
    decision = decide(RBAC, asking(who, action, document("plan")))
    assert decision.allowed is allowed


def test_rbac_decision_names_the_deciding_policies():
    decision = decide(RBAC, asking(person("erin", 1, role("editor")), "edit", document("plan")))
    assert decision.policy_ids == ("editors-write",)
    assert decision.explain() == "allow by editors-write"
    assert decide(RBAC, asking(person("nobody"), "read", document("plan"))).explain() == (
        "deny as no permit applies"
    )


DAC = authorizer(
    (
        "owner-all",
        "permit(principal, action, resource is Document) when { resource.owner == principal };",
    ),
    (
        "shared-read",
        'permit(principal, action == Action::"read", resource is Document) '
        "when { principal in resource.shared_with };",
    ),
    ("team-folder", 'permit(principal, action == Action::"read", resource in Folder::"team");'),
)


def test_dac_the_owner_may_do_anything_to_their_document():
    assert decide(DAC, asking(person("olive"), "delete", document("d", "olive"))).allowed
    assert not decide(DAC, asking(person("sam"), "delete", document("d", "olive"))).allowed


def test_dac_sharing_grants_reading_only():
    shared = document("d", "olive", shared_with=("sam",))
    assert decide(DAC, asking(person("sam"), "read", shared)).policy_ids == ("shared-read",)
    assert not decide(DAC, asking(person("sam"), "edit", shared)).allowed
    assert not decide(DAC, asking(person("tom"), "read", shared)).allowed


def test_dac_a_document_in_a_shared_folder_can_be_read():
    inside = document("d", "olive", folder=folder("team"))
    assert decide(DAC, asking(person("tom"), "read", inside)).policy_ids == ("team-folder",)
    outside = document("d", "olive", folder=folder("private"))
    assert not decide(DAC, asking(person("tom"), "read", outside)).allowed


MAC = authorizer(
    ("readers", 'permit(principal in Role::"viewer", action == Action::"read", resource);'),
    (
        "clearance",
        "forbid(principal is User, action, resource is Document) "
        "unless { principal.clearance >= resource.classification };",
    ),
)


@pytest.mark.parametrize(
    ("clearance", "classification", "allowed"),
    [(3, 2, True), (2, 2, True), (1, 2, False), (0, 3, False)],
)
def test_mac_clearance_at_least_classification(clearance, classification, allowed):
    request = asking(
        person("vic", clearance, role("viewer")),
        "read",
        document("d", classification=classification),
    )
    decision = decide(MAC, request)
    assert decision.allowed is allowed
    assert decision.policy_ids == (("readers",) if allowed else ("clearance",))


STEP_UP = authorizer(
    ("editors-write", 'permit(principal in Role::"editor", action in Action::"write", resource);'),
    (
        "delete-needs-mfa",
        'forbid(principal, action == Action::"delete", resource) '
        'unless { context.acr == "urn:tessera:acr:mfa" };',
    ),
)


def test_step_up_delete_needs_a_multi_factor_sign_in():
    editor = person("erin", 1, role("editor"))
    assert not decide(STEP_UP, asking(editor, "delete", document("d"))).allowed  # no acr
    assert not decide(STEP_UP, asking(editor, "delete", document("d"), acr="pwd-only")).allowed
    assert decide(STEP_UP, asking(editor, "delete", document("d"), acr=MFA)).allowed
    assert decide(STEP_UP, asking(editor, "edit", document("d"))).allowed  # edit: no step-up


TIME_AND_PLACE = authorizer(
    (
        "office-hours-from-the-office",
        'permit(principal in Role::"viewer", action == Action::"read", resource) when { '
        'context.time.toTime() >= duration("9h") && context.time.toTime() < duration("17h") '
        '&& context has ip && context.ip.isInRange(ip("10.20.0.0/16")) };',
    ),
    (
        "not-after-the-freeze",
        'forbid(principal, action, resource) when { context.time >= datetime("2027-01-01") };',
    ),
)


@pytest.mark.parametrize(
    ("when", "address", "allowed"),
    [
        (NOON, "10.20.3.4", True),
        (NOON, "192.0.2.1", False),  # not from the office
        (NOON, None, False),  # no address known
        (NOON.replace(hour=20), "10.20.3.4", False),  # after hours
        (dt.datetime(2027, 2, 1, 12, tzinfo=dt.UTC), "10.20.3.4", False),  # the freeze
    ],
)
def test_time_and_address_context(when, address, allowed):
    request = asking(
        person("vic", 1, role("viewer")),
        "read",
        document("d"),
        time=when,
        ip=ipaddress.ip_address(address) if address else None,
    )
    assert decide(TIME_AND_PLACE, request).allowed is allowed


def test_decimal_attributes_compare_with_cedar_decimal_methods():
    schema = generate_schema(
        (AttributeDecl("limit", AttributeType.DECIMAL),),
        Application(
            resource_types=(
                ResourceTypeDecl("Invoice", (AttributeDecl("amount", AttributeType.DECIMAL),)),
            ),
            actions=(ActionDecl("approve", ("Invoice",)),),
        ),
    )
    engine = Authorizer(
        policies(
            schema,
            (
                "within-limit",
                "permit(principal, action, resource) "
                "when { resource.amount.lessThanOrEqual(principal.limit) };",
            ),
        )
    )

    def approve(limit: str, amount: str) -> bool:
        request = AccessRequest(
            Principal(user("fin"), {"limit": Decimal(limit)}),
            "approve",
            Resource(EntityUid("Invoice", "i1"), {"amount": Decimal(amount)}),
            time=NOON,
        )
        return engine.decide(request).allowed

    assert approve("1000.50", "999.9999")
    assert approve("1000.50", "1000.5")
    assert not approve("1000.50", "1000.5001")


def test_forbid_overrides_permit():
    engine = authorizer(
        ("everyone", "permit(principal, action, resource);"),
        (
            "owner-too",
            "permit(principal, action, resource is Document) when { resource.owner == principal };",
        ),
        ("never-delete", 'forbid(principal, action == Action::"delete", resource);'),
    )
    decision = decide(engine, asking(person("olive"), "delete", document("d", "olive")))
    assert not decision.allowed
    assert decision.policy_ids == ("never-delete",)
    both = decide(engine, asking(person("olive"), "edit", document("d", "olive")))
    assert both.policy_ids == ("everyone", "owner-too")


# --- bad input: a deny naming the problem, never an exception ---------------------------


def test_an_attribute_missing_at_evaluation_is_a_deny_naming_it():
    unknown_clearance = Principal(user("vic"), {}, (role("viewer"),))
    decision = decide(MAC, asking(unknown_clearance, "read", document("d")))
    assert not decision.allowed
    (error,) = decision.errors
    assert "clearance" in error.message
    assert "vic" in error.message


def test_an_evaluation_error_is_a_deny_even_when_a_permit_holds():
    engine = authorizer(
        ("everyone", "permit(principal, action, resource);"),
        (
            "overflowing-forbid",
            "forbid(principal is User, action, resource) "
            "when { principal.clearance * 4611686018427387904 > 100 };",
        ),
    )
    fine = decide(engine, asking(person("a", 0), "edit", document("d")))
    assert fine.allowed
    # Cedar would skip the erroring forbid and allow; Tessera fails closed
    decision = decide(engine, asking(person("a", 4), "edit", document("d")))
    assert not decision.allowed
    assert decision.policy_ids == ()
    (error,) = decision.errors
    assert error.policy_id == "overflowing-forbid"
    assert "overflow" in error.message
    assert decision.explain().startswith("deny because the evaluation failed; errors: policy ")


@pytest.mark.parametrize(
    ("request_", "named"),
    [
        (asking(person("a"), "share", document("d"), context={"recipients": "many"}), "recipients"),
        (asking(person("a"), "share", document("d")), "recipients"),  # required, missing
        (asking(person("a"), "read", document("d"), context={"acr": MFA}), "'acr'"),
        (asking(person("a"), "publish", document("d")), "publish"),
        (asking(person("a"), "edit", folder("f")), "Folder"),
        (asking(Principal(client("c")), "edit", document("d")), "Client"),
        (asking(Principal(user("a"), {"clearance": 1.5}), "read", document("d")), "floats"),
        (asking(Principal(user("a"), {"clearance": 2**63}), "read", document("d")), "64 bits"),
        (asking(Principal(user("a"), {"clearance": None}), "read", document("d")), "null"),
        (asking(Principal(user("a"), {"clearance": "high"}), "read", document("d")), "clearance"),
        (asking(person("a"), "read", document("d"), time=dt.datetime(2026, 1, 1)), "time zone"),
        (asking(person("a"), "", document("d")), "action"),
        (
            asking(Principal(user("a"), {"clearance": 1, "x": object()}), "read", document("d")),
            "object",
        ),
    ],
)
def test_requests_that_cannot_be_decided_are_denied_naming_the_problem(request_, named):
    decision = decide(RBAC, request_)
    assert not decision.allowed
    assert decision.errors, decision
    assert named in " ".join(error.message for error in decision.errors)


@pytest.mark.parametrize(
    ("attributes", "named"),
    [
        ({"clearance": 1, **{f"a{i}": 1 for i in range(300)}}, "more than 256 attributes"),
        ({"clearance": 1, "tags": ["t"] * 1001}, "more than 1000 elements"),
        ({"clearance": 1, "bio": "x" * 5000}, "longer than 4096"),
    ],
)
def test_oversized_request_data_is_refused(attributes, named):
    decision = RBAC.decide(asking(Principal(user("a"), attributes), "read", document("d")))
    assert not decision.allowed
    assert named in decision.errors[0].message


@pytest.mark.parametrize(
    "garbage",
    [
        AccessRequest(None, "read", document("d"), time=NOON),  # type: ignore[arg-type]
        AccessRequest(person("a"), "read", None, time=NOON),  # type: ignore[arg-type]
        AccessRequest(person("a"), "read", document("d"), time="noon"),  # type: ignore[arg-type]
        AccessRequest(person("a"), 7, document("d"), time=NOON),  # type: ignore[arg-type]
        AccessRequest(person("a"), "read", document("d"), time=NOON, context=[1]),  # type: ignore[arg-type]
    ],
)
def test_a_request_of_the_wrong_shape_is_a_deny_not_an_exception(garbage):
    decision = RBAC.decide(garbage)
    assert not decision.allowed
    assert decision.errors


def test_deeply_nested_context_is_refused():
    nested: dict = {"v": 1}
    for _ in range(20):
        nested = {"n": nested}
    decision = RBAC.decide(
        asking(person("a"), "share", document("d"), context={"recipients": nested})
    )
    assert not decision.allowed
    assert "nest deeper" in decision.errors[0].message


def test_entity_errors_do_not_repeat_the_entity_data():
    # Cedar repeats the whole entity document it could not take; that holds attributes
    secretive = Principal(user("a"), {"clearance": 1, "department": 7})
    decision = RBAC.decide(asking(secretive, "read", document("d")))
    assert not decision.allowed
    assert "department" in decision.errors[0].message
    assert '"clearance":1' not in decision.errors[0].message


def test_a_group_named_by_a_resource_attribute_brings_its_hierarchy():
    schema = generate_schema(
        (),
        Application(
            resource_types=(
                ResourceTypeDecl(
                    "Space", (AttributeDecl("team", AttributeType.ENTITY, entity_type="Group"),)
                ),
            ),
            actions=(ActionDecl("enter", ("Space",)),),
        ),
    )
    engine = Authorizer(
        policies(
            schema,
            (
                "staff-spaces",
                'permit(principal, action, resource) when { resource.team in Role::"viewer" };',
            ),
        ),
        HIERARCHY,
    )

    def enter(team: str) -> bool:
        space = Resource(EntityUid("Space", "s"), {"team": group(team)})
        return engine.decide(AccessRequest(Principal(user("a")), "enter", space, time=NOON)).allowed

    assert enter("backend")  # backend in engineering in editor in viewer
    assert not enter("sales")


def test_a_cycle_in_the_hierarchy_does_not_loop():
    # the RBAC model refuses cycles; should one reach the engine, the closure is still
    # finite (each of the two groups is in the other) and the decision is made
    cyclic = Hierarchy({group("a"): [group("b")], group("b"): [group("a"), role("editor")]})
    assert cyclic.ancestors(group("a")) == {group("a"), group("b"), role("editor")}
    engine = Authorizer(RBAC.policies, cyclic)
    decision = engine.decide(asking(person("p", 1, group("a")), "edit", document("d")))
    assert decision.policy_ids == ("editors-write",)
