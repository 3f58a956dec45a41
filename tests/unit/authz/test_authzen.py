"""The AuthZEN 1.0 mapping (idp.authz.authzen), in process: requests parsed and bounded
into the engine's terms, every malformed member named, the batch's defaults and
semantics, the decisions rendered; and what cannot be decided is a deny."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from idp.authz.authzen import (
    MAX_EVALUATIONS,
    AuthZenRequestError,
    EvaluationsSemantic,
    decider,
    parse_action_search,
    parse_evaluation,
    parse_evaluations,
    render_decision,
    render_evaluations,
    run_evaluations,
    search_actions,
)
from idp.authz.decisions import Decision
from idp.authz.engine import Authorizer
from idp.authz.entities import EntityUid, Hierarchy, Principal, client, group, role, user
from tests.support.cedar_apps import MFA, NOON, documents_schema, person, policies

SCHEMA = documents_schema()
POLICIES = {
    "viewers-read": 'permit(principal in Role::"viewer", action == Action::"read", resource);',
    "owner-all": "permit(principal, action, resource is Document) "
    "when { resource.owner == principal };",
    "clearance": "forbid(principal is User, action, resource is Document) "
    "unless { principal.clearance >= resource.classification };",
    "delete-needs-mfa": 'forbid(principal, action == Action::"delete", resource) '
    'unless { context.acr == "urn:tessera:acr:mfa" };',
    "team-folder": 'permit(principal, action == Action::"read", resource in Folder::"team");',
}
ENGINE = Authorizer(
    policies(SCHEMA, *POLICIES.items()), Hierarchy({group("staff"): [role("viewer")]})
)
PEOPLE = {
    user("ada"): person("ada", 2, group("staff")),
    user("bob"): person("bob", 0),
    client("reporter"): Principal(client("reporter"), {}, (role("viewer"),)),
}


OLIVE = {"__entity": {"type": "User", "id": "olive"}}


def doc(name: str, owner: str = "olive", classification: int = 0, **extra: Any) -> dict[str, Any]:
    properties = {
        "owner": {"__entity": {"type": "User", "id": owner}},
        "shared_with": [],
        "classification": classification,
        **extra,
    }
    return {"type": "Document", "id": name, "properties": properties}


def subject(**properties: Any) -> dict[str, Any]:
    return {"subject": {"type": "user", "id": "a", "properties": properties}}


def ask(subject: str = "ada", action: str = "read", resource: Any = None, **more: Any):
    body = {
        "subject": {"type": "user", "id": subject},
        "action": {"name": action},
        "resource": resource or doc("d1"),
    }
    return body | more


def decide(body: dict[str, Any]) -> Decision:
    return decider(ENGINE, PEOPLE.get, NOON)(parse_evaluation(body))


def refused(parse, body: dict[str, Any]) -> str:
    with pytest.raises(AuthZenRequestError) as caught:
        parse(body)
    message = str(caught.value)
    # it becomes an OAuth error_description: %x20-21 / %x23-5B / %x5D-7E (RFC 6749 §5.2)
    assert all(0x20 <= ord(ch) <= 0x7E and ch not in '"\\' for ch in message), message
    return message


# -- the mapping ---------------------------------------------------------------------


def test_subject_action_resource_map_one_to_one_onto_cedar__authzen_s5():
    evaluation = parse_evaluation(ask())
    assert evaluation.subject.uid == user("ada")
    assert evaluation.action == "read"
    assert evaluation.resource.uid == EntityUid("Document", "d1")
    assert evaluation.resource.attributes["owner"] == user("olive")
    assert decide(ask()).allowed  # ada is in staff, which holds viewer


@pytest.mark.parametrize("kind", ["user", "User"])
def test_user_subjects_are_cedar_users(kind):
    body = ask() | {"subject": {"type": kind, "id": "ada"}}
    assert parse_evaluation(body).subject.uid == user("ada")


@pytest.mark.parametrize("kind", ["client", "Client"])
def test_client_subjects_are_cedar_clients(kind):
    body = ask() | {"subject": {"type": kind, "id": "reporter"}}
    assert decide(body).allowed  # reporter holds viewer; read is asked by clients too


def test_the_subject_properties_carry_how_the_user_signed_in():
    subject = {
        "type": "user",
        "id": "ada",
        "properties": {"acr": MFA, "amr": ["pwd", "otp"], "ip_address": "10.1.2.3"},
    }
    evaluation = parse_evaluation(ask(action="delete") | {"subject": subject})
    assert evaluation.subject.authentication.acr == MFA
    assert evaluation.subject.authentication.amr == ("pwd", "otp")
    assert evaluation.subject.ip == ipaddress.ip_address("10.1.2.3")
    mfa = decide(ask(action="delete", resource=doc("d1", owner="ada")) | {"subject": subject})
    without = decide(ask(action="delete", resource=doc("d1", owner="ada")))
    assert mfa.allowed
    assert without.denied
    assert without.policy_ids == ("delete-needs-mfa",)


def test_resource_parents_are_cedar_parents():
    team = {"type": "Folder", "id": "team", "properties": {"owner": OLIVE}}
    inside = doc("d1", __parents=[team])
    assert decide(ask("bob", resource=inside)).policy_ids == ("team-folder",)
    assert decide(ask("bob")).denied


def test_context_is_the_application_context_and_extensions_pass_through():
    body = ask(action="share", resource=doc("d1", owner="ada"), context={"recipients": 3})
    assert decide(body).allowed
    value = {"__extn": {"fn": "decimal", "arg": "1.5"}}
    parsed = parse_evaluation(ask(context={"limit": value}))
    assert parsed.context == {"limit": value}


def test_mac_forbid_overrides_the_permit():
    decision = decide(ask(resource=doc("d1", classification=3)))
    assert decision.denied
    assert decision.policy_ids == ("clearance",)


# -- what cannot be decided is a deny --------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        ask("nobody"),  # an unknown user
        ask(action="fly"),  # an action the schema does not declare
        ask(resource={"type": "Spaceship", "id": "s"}),  # an undeclared resource type
        ask(resource={"type": "Role", "id": "viewer"}),  # one of Tessera's own types
        ask(resource={"type": "Document", "id": "d"}),  # required attributes missing
        ask(action="share", resource=doc("d1", owner="ada")),  # its context missing
        ask(context={"undeclared": 1}),
        ask(resource=doc("d", secret={"__extn": {"fn": "decimal", "arg": "x"}})),
    ],
)
def test_what_cannot_be_decided_is_a_deny_saying_why__authzen_s7_2(body):
    decision = decide(body)
    assert decision.denied
    assert decision.errors
    rendered = render_decision(decision)
    assert rendered["decision"] is False
    assert rendered["context"]["errors"][0]["message"]


DEEP: dict[str, Any] = {"a": 1}
for _ in range(8):
    DEEP = {"a": DEEP}

# -- malformed requests are refused, naming the member --------------------------------


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"action": {"name": "read"}, "resource": doc("d")}, "subject is required"),
        (ask() | {"subject": "ada"}, "subject must be an object"),
        (ask() | {"subject": {"id": "ada"}}, "subject.type is required"),
        (ask() | {"subject": {"type": "user", "id": 7}}, "subject.id must be a non-empty string"),
        (ask() | {"subject": {"type": "user", "id": ""}}, "subject.id must be a non-empty string"),
        (ask() | {"subject": {"type": "user", "id": "a" * 257}}, "subject.id is longer than 256"),
        (
            ask() | {"subject": {"type": "group", "id": "g"}},
            "subject.type 'group' is not a principal",
        ),
        (ask() | subject(department="x"), "subject.properties.department"),
        (ask() | subject(amr="pwd"), "subject.properties.amr must be an array"),
        (ask() | subject(acr=2), "subject.properties.acr must be a string"),
        (ask() | subject(ip_address="here"), "subject.properties.ip_address"),
        (ask() | subject(ip_address=None), "subject.properties.ip_address"),
        (ask() | {"action": {}}, "action.name is required"),
        (
            ask() | {"action": {"name": "read", "properties": {"method": "GET"}}},
            "action.properties",
        ),
        (ask() | {"resource": {"type": "Document"}}, "resource.id is required"),
        (
            ask() | {"resource": {"type": "Document", "id": "d", "properties": []}},
            "resource.properties must be an object",
        ),
        (ask(resource=doc("d", price=1.5)), "resource.properties.price: Cedar has no floats"),
        (ask(resource=doc("d", gone=None)), "resource.properties.gone: Cedar has no null"),
        (
            ask(resource=doc("d", huge=2**64)),
            "resource.properties.huge: 18446744073709551616 does not fit",
        ),
        (ask(resource=doc("d", long="x" * 4097)), "resource.properties.long: a string longer"),
        (
            ask(resource=doc("d", many=list(range(1001)))),
            "resource.properties.many: an array of more",
        ),
        (ask(resource=doc("d", deep=DEEP)), "values nest deeper"),
        (ask(resource=doc("d", o={"__entity": "User::a"})), "resource.properties.o: an entity is"),
        (
            ask(resource=doc("d", o={"__entity": {"type": "User", "id": "a", "as": "admin"}})),
            "resource.properties.o: an entity is",
        ),
        (ask(resource=doc("d", o={"__extn": {"fn": [], "arg": "x"}})), "an extension value"),
        (
            ask(resource=doc("d", o={"__extn": {"fn": "eval", "arg": "x"}})),
            "resource.properties.o: an extension value",
        ),
        (
            ask(resource=doc("d", __parents={"type": "Folder"})),
            "resource.properties.__parents must be an array",
        ),
        (
            ask(resource=doc("d", __parents=[{"type": "Folder"}])),
            "resource.properties.__parents[0].id is required",
        ),
        (ask(context=[]), "context must be an object"),
        (ask(context=None), "context must be an object"),  # null is not an absent member
        (ask(context={"time": "1985-10-26T01:22-07:00"}), "context.time is set by Tessera"),
        (ask(context={"acr": MFA}), "context.acr is set by Tessera"),
        (ask(context={"ip": "10.0.0.1"}), "context.ip is set by Tessera"),
    ],
)
def test_a_malformed_evaluation_is_refused_naming_the_member__authzen_s12_1_2(body, named):
    assert named in refused(parse_evaluation, body)


def test_parents_nest_and_number_within_bounds():
    nested: dict[str, Any] = {"type": "Folder", "id": "f0"}
    for level in range(1, 20):
        nested = {"type": "Folder", "id": f"f{level}", "properties": {"__parents": [nested]}}
    assert "parents nest deeper than 16" in refused(parse_evaluation, ask(resource=nested))
    wide = doc("d", __parents=[{"type": "Folder", "id": str(i)} for i in range(65)])
    assert "more than 64 parents" in refused(parse_evaluation, ask(resource=wide))


# -- the batch -------------------------------------------------------------------------


def batch(*items: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"evaluations": list(items)} | top


def run(body: dict[str, Any]) -> dict[str, Any]:
    request = parse_evaluations(body)
    decisions = run_evaluations(request, decider(ENGINE, PEOPLE.get, NOON))
    return render_evaluations(request, decisions)


def answers(body: dict[str, Any]) -> list[bool]:
    return [item["decision"] for item in run(body)["evaluations"]]


SECRET, OPEN, MINE = doc("s", classification=9), doc("o"), doc("m", owner="bob")


def test_top_level_members_are_defaults_each_item_overrides__authzen_s7_1_1():
    body = batch(
        {"resource": OPEN},
        {"resource": OPEN, "subject": {"type": "user", "id": "bob"}},
        {"resource": MINE, "subject": {"type": "user", "id": "bob"}, "action": {"name": "edit"}},
        subject={"type": "user", "id": "ada"},
        action={"name": "read"},
    )
    assert answers(body) == [True, False, True]


def test_a_missing_member_is_refused_naming_the_item__authzen_s7_1_1():
    body = batch(
        {"resource": OPEN}, {"action": {"name": "read"}}, subject={"type": "user", "id": "ada"}
    )
    message = refused(parse_evaluations, body)
    assert message == "evaluations[0].action is required (here or at the top level)"
    body = batch({"resource": OPEN, "action": {"name": 1}}, subject={"type": "user", "id": "ada"})
    assert "evaluations[0].action.name must be" in refused(parse_evaluations, body)
    body = batch({"resource": OPEN, "action": {"name": "read"}}, subject={"type": "user"})
    assert "subject.id is required" in refused(parse_evaluations, body)  # a bad default too


def test_without_evaluations_it_is_one_evaluation_answered_as_one__authzen_s7_1():
    for body in (ask(), ask() | {"evaluations": []}):
        response = run(body)
        assert response["decision"] is True
        assert "evaluations" not in response


TRIO = dict(subject={"type": "user", "id": "ada"}, action={"name": "read"})


@pytest.mark.parametrize(
    ("semantic", "expected"),
    [
        (None, [True, False, True]),
        ("execute_all", [True, False, True]),
        ("deny_on_first_deny", [True, False]),
        ("permit_on_first_permit", [True]),
    ],
)
def test_evaluations_semantics__authzen_s7_1_2_1(semantic, expected):
    options = {} if semantic is None else {"options": {"evaluations_semantic": semantic}}
    body = batch({"resource": OPEN}, {"resource": SECRET}, {"resource": OPEN}, **TRIO, **options)
    assert answers(body) == expected


def test_permit_on_first_permit_runs_on_past_denials():
    items = [{"resource": SECRET}, {"resource": SECRET}, {"resource": OPEN}, {"resource": OPEN}]
    first_permit = {"evaluations_semantic": "permit_on_first_permit"}
    body = batch(*items, **TRIO, options=first_permit)
    assert answers(body) == [False, False, True]


def test_the_batch_is_bounded_and_its_options_checked():
    body = batch(*([{"resource": OPEN}] * (MAX_EVALUATIONS + 1)), **TRIO)
    assert "more than 100 items" in refused(parse_evaluations, body)
    assert "evaluations must be an array" in refused(parse_evaluations, {"evaluations": {}})
    assert "evaluations[0] must be an object" in refused(parse_evaluations, batch("x"))
    body = batch({"resource": OPEN}, **TRIO, options={"evaluations_semantic": "first"})
    assert "options.evaluations_semantic must be one of" in refused(parse_evaluations, body)
    assert "options must be an object" in refused(parse_evaluations, batch(options=1, **TRIO))
    assert "options must be an object" in refused(parse_evaluations, batch(options=None, **TRIO))
    assert "evaluations must be an array" in refused(parse_evaluations, {"evaluations": None})
    unknown = batch({"resource": OPEN}, **TRIO, options={"another_option": "value"})
    assert parse_evaluations(unknown).semantic is EvaluationsSemantic.EXECUTE_ALL


def test_each_principal_is_looked_up_once_per_request():
    looked_up: list[EntityUid] = []

    def lookup(uid: EntityUid):
        looked_up.append(uid)
        return PEOPLE.get(uid)

    request = parse_evaluations(batch(*([{"resource": OPEN}] * 5), **TRIO))
    run_evaluations(request, decider(ENGINE, lookup, NOON))
    assert looked_up == [user("ada")]


# -- rendering -------------------------------------------------------------------------


def test_a_decision_is_rendered_with_its_reason_and_policies__authzen_s5_5():
    assert render_decision(decide(ask())) == {
        "decision": True,
        "context": {"reason": "allow by viewers-read", "policy_ids": ["viewers-read"]},
    }
    assert render_decision(decide(ask("bob"))) == {
        "decision": False,
        "context": {"reason": "deny as no permit applies"},
    }


# -- action search ---------------------------------------------------------------------


def search(body: dict[str, Any]) -> dict[str, Any]:
    return search_actions(parse_action_search(body), SCHEMA, decider(ENGINE, PEOPLE.get, NOON))


def test_action_search_decides_each_action_the_schema_declares__authzen_s8_6():
    body = {"subject": {"type": "user", "id": "bob"}, "resource": MINE}
    # bob owns it: every Document action but share (its context is missing) and delete (no MFA)
    assert search(body) == {"results": [{"name": "edit"}, {"name": "read"}]}
    body = {"subject": {"type": "user", "id": "ada"}, "resource": OPEN}
    assert search(body) == {"results": [{"name": "read"}]}


def test_action_search_pages__authzen_s8_3():
    body = {"subject": {"type": "user", "id": "bob"}, "resource": MINE, "page": {"limit": 1}}
    first = search(body)
    assert first == {
        "page": {"next_token": "1", "count": 1, "total": 2},
        "results": [{"name": "edit"}],
    }
    body["page"] = {"limit": 1, "token": "1"}
    assert search(body) == {
        "page": {"next_token": "", "count": 1, "total": 2},
        "results": [{"name": "read"}],
    }


def test_action_search_refuses_what_it_cannot_read():
    assert "resource is required" in refused(
        parse_action_search, {"subject": {"type": "user", "id": "a"}}
    )
    body = {"subject": {"type": "user", "id": "a"}, "resource": OPEN, "page": {"token": "abc"}}
    assert "page.token is not a token this PDP issued" in refused(parse_action_search, body)
    body["page"] = None
    assert "page must be an object" in refused(parse_action_search, body)
    body["page"] = {"limit": None}
    assert "page.limit must be an integer" in refused(parse_action_search, body)
    body["page"] = {"limit": -1}
    assert "page.limit must be an integer" in refused(parse_action_search, body)
