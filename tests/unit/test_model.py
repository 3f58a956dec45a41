"""idp.interaction.model: an interaction is a plain record (it travels sealed, as JSON),
and authenticating within it records how and when."""

from __future__ import annotations

import json

import pytest

from idp.authn.methods import PASSWORD, AuthenticationMethod
from idp.interaction.model import (
    Authentication,
    Interaction,
    InteractionKind,
    Prompt,
    Requirements,
)
from idp.scope import Scope

OTP = AuthenticationMethod("otp", amr=("otp",), acr="urn:example:acr:mfa")


def full_interaction() -> Interaction:
    """Every field set to something other than its default."""
    return Interaction(
        kind=InteractionKind.DEVICE_APPROVAL,
        payload={"user_code": "WDJB-MJHT", "nested": {"list": [1, "two", None]}},
        requirements=Requirements(
            party_id="client-1",
            consent_scope=Scope.parse("profile openid email"),
            prompt=frozenset({Prompt.LOGIN, Prompt.CONSENT}),
            max_age=300,
            login_hint="alice@example.com",
        ),
        authentication=Authentication(
            methods=("password",),
            acr="urn:tessera:acr:password",
            authenticated_at=1_700_000_000,
            owed=("otp",),
        ),
        consented=True,
    )


def minimal_interaction() -> Interaction:
    return Interaction(
        kind=InteractionKind.AUTHORIZATION,
        payload={},
        requirements=Requirements(party_id="client-1", consent_scope=Scope()),
    )


@pytest.mark.parametrize("interaction", [full_interaction(), minimal_interaction()])
def test_record_round_trip_through_json(interaction):
    text = json.dumps(interaction.to_record())  # what the seal carries
    assert Interaction.from_record(json.loads(text)) == interaction


def test_record_keeps_the_scope_order():
    record = full_interaction().to_record()
    restored = Interaction.from_record(json.loads(json.dumps(record)))
    assert restored.requirements.consent_scope.values == ("profile", "openid", "email")


def test_record_is_only_json_types():
    record = full_interaction().to_record()
    assert json.loads(json.dumps(record)) == record  # nothing JSON would change or refuse
    assert record["kind"] == "device_approval"
    assert record["requirements"]["prompt"] == ["consent", "login"]  # sorted: stable output


def test_record_does_not_share_the_payload_it_was_read_from():
    record = json.loads(json.dumps(full_interaction().to_record()))
    interaction = Interaction.from_record(record)
    record["payload"]["user_code"] = "changed"
    assert interaction.payload["user_code"] == "WDJB-MJHT"


def test_authenticated_records_method_acr_and_time():
    interaction = minimal_interaction().authenticated(PASSWORD, 1_700_000_123)
    authentication = interaction.authentication
    assert authentication.methods == ("password",)
    assert authentication.acr == PASSWORD.acr
    assert authentication.authenticated_at == 1_700_000_123


def test_authenticated_removes_the_method_from_what_is_owed():
    owing = Interaction(
        kind=InteractionKind.AUTHORIZATION,
        payload={},
        requirements=Requirements(party_id="client-1", consent_scope=Scope()),
        authentication=Authentication(owed=("password", "otp")),
    )
    after_password = owing.authenticated(PASSWORD, 10)
    assert after_password.authentication.owed == ("otp",)
    after_otp = after_password.authenticated(OTP, 20)
    assert after_otp.authentication.owed == ()
    assert after_otp.authentication.methods == ("password", "otp")
    assert after_otp.authentication.acr == OTP.acr  # the latest method's
    assert after_otp.authentication.authenticated_at == 20


def test_authenticated_leaves_the_rest_of_the_interaction_as_it_was():
    interaction = full_interaction()
    after = interaction.authenticated(PASSWORD, 1)
    assert (after.kind, after.payload, after.requirements, after.consented) == (
        interaction.kind,
        interaction.payload,
        interaction.requirements,
        interaction.consented,
    )
    assert interaction.authentication.authenticated_at == 1_700_000_000  # not changed


def test_with_consent_marks_consent_only():
    interaction = minimal_interaction()
    consented = interaction.with_consent()
    assert consented.consented
    assert not interaction.consented
    assert consented.authentication == interaction.authentication
