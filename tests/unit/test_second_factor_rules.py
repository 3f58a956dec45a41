"""The pure rules of the second factor: the TOTP window and replay (RFC 6238 §5.2), the
shape of recovery codes, the MFA policy and the prompts it adds."""

from __future__ import annotations

import pyotp
import pytest

from idp.authn.methods import MFA_ACR, PASSWORD, PASSWORD_ACR, TOTP
from idp.authn.mfa_policy import requested_acr, second_factor_required
from idp.authn.recovery_codes import new_codes, normalise
from idp.authn.totp import STEP, TotpError, matching_step, new_secret
from idp.errors import LoginRequiredError
from idp.interaction.model import Interaction, InteractionKind, Prompt, Requirements
from idp.interaction.prompts import SecondFactor, next_prompt
from idp.interaction.registry import Party
from idp.scope import Scope
from idp.sessions.sso import SsoSession

NOW = 1_700_000_010
SECRET = new_secret()


def code_at(steps: int) -> str:
    return pyotp.TOTP(SECRET).at(NOW + steps * STEP)


@pytest.mark.parametrize("steps", [-1, 0, 1])
def test_one_step_either_side_matches__rfc6238_s5_2(steps):
    assert matching_step(SECRET, code_at(steps), NOW, None) == NOW // STEP + steps


@pytest.mark.parametrize("steps", [-2, 2])
def test_two_steps_away_is_refused__rfc6238_s5_2(steps):
    with pytest.raises(TotpError, match="wrong or has expired"):
        matching_step(SECRET, code_at(steps), NOW, None)


def test_a_step_used_already_or_before_is_refused__rfc6238_s5_2():
    with pytest.raises(TotpError, match="already been used"):
        matching_step(SECRET, code_at(-1), NOW, last_used_step=NOW // STEP)


def test_spaces_inside_a_code_are_ignored():
    code = code_at(0)
    assert matching_step(SECRET, f"{code[:3]} {code[3:]}", NOW, None) == NOW // STEP


def test_the_secret_has_160_bits__rfc4226_s4():
    assert len(SECRET) * 5 == 160


def test_recovery_codes_are_ten_distinct_and_normalise_from_what_users_type():
    codes = new_codes()
    assert len(set(codes)) == 10
    assert normalise(codes[0].lower().replace("-", " ")) == codes[0].replace("-", "")
    assert normalise("123456") is None
    assert normalise("A" * 65) is None


def test_requested_acr_is_the_first_supported_value__oidc_core_s3_1_2_1():
    assert requested_acr(["urn:other", MFA_ACR, PASSWORD_ACR]) == MFA_ACR
    assert requested_acr([PASSWORD_ACR, MFA_ACR]) == PASSWORD_ACR
    assert requested_acr(["urn:other"]) is None


@pytest.mark.parametrize(
    ("user", "enrolled", "party", "acr_values", "required"),
    [
        (False, False, False, (), False),
        (True, False, False, (), True),
        (False, True, False, (), True),
        (False, False, True, (), True),
        (False, False, False, (MFA_ACR,), True),
        (False, False, False, (PASSWORD_ACR, MFA_ACR), False),
    ],
)
def test_when_a_second_factor_is_required(user, enrolled, party, acr_values, required):
    assert (
        second_factor_required(
            user_requires=user, enrolled=enrolled, party_requires=party, acr_values=acr_values
        )
        is required
    )


def test_password_then_totp_asserts_mfa__rfc8176_s2():
    both = PASSWORD.then(TOTP)
    assert both.amr == ("pwd", "otp", "mfa")
    assert both.acr == MFA_ACR


def interaction(**requirements) -> Interaction:
    return Interaction(
        InteractionKind.AUTHORIZATION,
        {},
        Requirements(party_id="app", consent_scope=Scope(), **requirements),
    )


def password_session() -> SsoSession:
    return SsoSession("sid", "u", NOW - 60, ["pwd"], PASSWORD_ACR, NOW - 60, NOW - 60, NOW + 3600)


PARTY = Party("app", "App", first_party=True)


def test_a_pending_second_factor_comes_before_anything_else():
    pending = interaction().awaiting_second_factor(PASSWORD, "u", "binding", NOW)
    factor = SecondFactor(required=True, enrolled=False)
    assert next_prompt(pending, PARTY, None, Scope(), NOW, factor) is Prompt.ENROLMENT


def test_a_password_session_steps_up_when_mfa_is_required():
    factor = SecondFactor(required=True, enrolled=True)
    prompt = next_prompt(interaction(), PARTY, password_session(), Scope(), NOW, factor)
    assert prompt is Prompt.SECOND_FACTOR


def test_step_up_with_prompt_none_is_login_required__oidc_core_s3_1_2_6():
    factor = SecondFactor(required=True, enrolled=True)
    silent = interaction(prompt=frozenset({Prompt.NONE}))
    with pytest.raises(LoginRequiredError):
        next_prompt(silent, PARTY, password_session(), Scope(), NOW, factor)


def test_the_pending_state_survives_the_seal_record():
    pending = interaction(acr_values=(MFA_ACR,)).awaiting_second_factor(PASSWORD, "u", "b", NOW)
    assert Interaction.from_record(pending.to_record()) == pending
    assert (
        Interaction.from_record(pending.to_record()).without_pending().authentication.pending_user
        is None
    )
