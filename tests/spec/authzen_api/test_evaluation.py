"""OpenID AuthZEN Authorization API 1.0: the Access Evaluation API (§6) over a published
policy set, the subject, action, resource and context mapped onto Cedar's request one to
one (§5); what cannot be decided is a deny saying why (§7.2), never an error."""

from __future__ import annotations

import pytest

from idp.authz.management import Authz
from idp.revocation.events import OPERATOR
from idp.revocation.suspensions import SuspendedKind
from tests.support.authzen import (
    World,
    a_document,
    ask,
    build_world,
    call,
    decision,
    evaluate,
)
from tests.support.cedar_apps import MFA
from tests.support.flows import create_user
from tests.support.relying_party import service_app
from tests.support.server import RunningIdp


def test_a_user_in_a_group_holding_a_role_is_allowed__authzen_s6(idp, world: World):
    answer = evaluate(idp, world.token, ask(world.editor.id, "edit"))
    assert answer == {
        "decision": True,
        "context": {"reason": "allow by editors-write", "policy_ids": ["editors-write"]},
    }
    assert (
        call(idp, "/access/v1/evaluation", world.token, ask(world.editor.id)).headers[
            "cache-control"
        ]
        == "no-store"
    )


def test_a_user_holding_nothing_is_denied__authzen_s5_5(idp, world: World):
    answer = evaluate(idp, world.token, ask(world.outsider.id, "edit"))
    assert answer == {"decision": False, "context": {"reason": "deny as no permit applies"}}


def test_the_principal_is_looked_up_on_each_backend(idp_on_each_backend):
    idp = idp_on_each_backend
    world = build_world(idp)
    assert decision(idp, world.token, ask(world.editor.id, "delete")) is False
    assert decision(idp, world.token, ask(world.editor.id, "edit")) is True
    assert decision(idp, world.token, ask(world.outsider.id, "edit")) is False
    client = ask(world.reporter) | {"subject": {"type": "client", "id": world.reporter}}
    assert evaluate(idp, world.token, client)["context"]["policy_ids"] == ["clients-read"]


def test_the_resource_attributes_decide_a_forbid__authzen_s5_2(idp, world: World):
    secret = a_document("s1", classification=3)
    answer = evaluate(idp, world.token, ask(world.editor.id, resource=secret))
    assert answer["decision"] is False
    assert answer["context"]["policy_ids"] == ["clearance"]
    owned = a_document("o1", owner=world.outsider.id)
    assert decision(idp, world.token, ask(world.outsider.id, "edit", owned)) is True


def test_the_subject_properties_carry_the_sign_in_for_step_up(idp, world: World):
    step_up = {"type": "user", "id": world.editor.id, "properties": {"acr": MFA, "amr": ["otp"]}}
    assert decision(idp, world.token, ask(world.editor.id, "delete")) is False
    assert decision(idp, world.token, ask(world.editor.id, "delete") | {"subject": step_up}) is True


@pytest.mark.parametrize(
    ("who", "action", "resource", "says"),
    [
        ("nobody", "read", None, "is not a known principal"),
        ("editor", "fly", None, "fly"),
        ("editor", "read", {"type": "Spaceship", "id": "s"}, "Spaceship"),
        ("editor", "read", {"type": "Document", "id": "bare"}, "to have attribute"),
        ("unrated", "read", None, "clearance"),
    ],
)
def test_what_cannot_be_decided_is_a_deny_saying_why__authzen_s7_2(
    idp, world: World, who, action, resource, says
):
    subject = getattr(world, who).id if hasattr(world, who) else who
    answer = evaluate(idp, world.token, ask(subject, action, resource))
    assert answer["decision"] is False
    assert says in str(answer["context"]["errors"])


def test_a_disabled_or_suspended_subject_is_denied_saying_so(idp, world: World):
    """None of its tokens is active (idp.revocation.suspensions), so no decision allows
    it; lifting the suspension or enabling the account gives its decisions back."""
    member = create_user(idp)
    with idp.provider.store() as store:
        authz = Authz(store, idp.clock.now(), OPERATOR)
        authz.add_member("writers", member.id)
        authz.set_attribute(member.id, "clearance", 2)
    idp.provider.refresh_caches()
    assert decision(idp, world.token, ask(member.id, "edit")) is True

    suspend(idp, SuspendedKind.SUBJECT, member.id)
    answer = evaluate(idp, world.token, ask(member.id, "edit"))
    assert answer["decision"] is False
    assert f'User::"{member.id}" is suspended' in str(answer["context"]["errors"])
    lift(idp, SuspendedKind.SUBJECT, member.id)
    assert decision(idp, world.token, ask(member.id, "edit")) is True

    with idp.provider.store() as store:
        store.set_user_disabled(member.id, True, idp.clock.now())
    answer = evaluate(idp, world.token, ask(member.id, "edit"))
    assert answer["decision"] is False
    assert "is disabled" in str(answer["context"]["errors"])

    other = service_app(idp, resources=[]).client_id
    client = ask(other) | {"subject": {"type": "client", "id": other}}
    assert decision(idp, world.token, client) is True
    suspend(idp, SuspendedKind.CLIENT, other)
    assert "is suspended" in str(evaluate(idp, world.token, client)["context"]["errors"])


def suspend(idp: RunningIdp, kind: SuspendedKind, value: str) -> None:
    with idp.provider.store() as store:
        assert idp.provider.revoker(store, OPERATOR).suspend(kind, value, reason="test")
    idp.provider.refresh_caches()


def lift(idp: RunningIdp, kind: SuspendedKind, value: str) -> None:
    with idp.provider.store() as store:
        assert idp.provider.revoker(store, OPERATOR).lift_suspension(kind, value)
    idp.provider.refresh_caches()
