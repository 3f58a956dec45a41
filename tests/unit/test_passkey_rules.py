"""The phishing-resistant class and passkey methods, pure: acr order (password < mfa <
phr), acr_values with and without a passkey (OIDC Core §3.1.2.1), amr (RFC 8176 §2),
the sign-count rule (WebAuthn L3 §6.1.1), names, the RP of an issuer."""

from __future__ import annotations

import pytest

from idp.authn.methods import (
    MFA_ACR,
    PASSWORD,
    PASSWORD_ACR,
    PHR_ACR,
    TOTP,
    first_factor_named,
    passkey_method,
)
from idp.authn.mfa_policy import requested_acr, satisfies, satisfies_mfa, unmet_acr
from idp.authn.passkeys import RelyingParty, check_name
from idp.errors import InvalidRequestError, UnmetAuthenticationRequirementsError
from idp.interaction.prompts import SecondFactor


def test_phr_satisfies_mfa_and_password_but_not_the_reverse():
    assert satisfies_mfa(PHR_ACR)
    assert satisfies(PHR_ACR, PASSWORD_ACR)
    assert not satisfies(MFA_ACR, PHR_ACR)
    assert not satisfies(PASSWORD_ACR, MFA_ACR)
    assert not satisfies(None, PASSWORD_ACR)
    assert not satisfies("urn:x:unknown", PASSWORD_ACR)


@pytest.mark.parametrize(
    ("acr_values", "has_passkey", "wanted", "unmet"),
    [
        ((PHR_ACR,), True, PHR_ACR, False),
        ((PHR_ACR,), False, None, True),
        ((PHR_ACR, MFA_ACR), False, MFA_ACR, False),
        (("urn:x:unknown", PHR_ACR), False, None, True),
        ((), False, None, False),
        (("urn:x:unknown",), False, None, False),
    ],
)
def test_acr_values_in_order_of_preference__oidc_core_s3_1_2_1(
    acr_values, has_passkey, wanted, unmet
):
    assert requested_acr(acr_values, has_passkey=has_passkey) == wanted
    assert unmet_acr(acr_values, has_passkey=has_passkey) is unmet


def test_passkey_amr__rfc8176_s2():
    assert passkey_method(synced=False, second_factor=False).amr == ("hwk", "user", "mfa")
    assert passkey_method(synced=True, second_factor=False).amr == ("swk", "user", "mfa")
    second = PASSWORD.then(passkey_method(synced=False, second_factor=True))
    assert (second.amr, second.acr) == (("pwd", "hwk", "user", "mfa"), PHR_ACR)
    assert PASSWORD.then(TOTP).acr == MFA_ACR
    assert first_factor_named("passkey").acr == PHR_ACR


def test_an_unmet_class_is_the_registered_error():
    with pytest.raises(UnmetAuthenticationRequirementsError) as raised:
        SecondFactor(required=True, unmet=True).check_can_be_met()
    assert raised.value.error == "unmet_authentication_requirements"


def test_the_relying_party_is_the_issuers_host_and_origin__webauthn_l3_s5_1_4():
    rp = RelyingParty.of_issuer("https://id.example.com:8443/tenant")
    assert (rp.id, rp.origin) == ("id.example.com", "https://id.example.com:8443")


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, "tab\there\x00"])
def test_a_bad_name_is_refused(name):
    with pytest.raises(InvalidRequestError):
        check_name(name)


def test_a_name_is_trimmed():
    assert check_name("  My   phone ") == "My phone"
