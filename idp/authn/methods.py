"""Authentication methods and what they assert: ``amr`` values (RFC 8176 §2) and the
authentication context class (``acr``, OIDC Core §2) a method reaches on its own or, for
a second factor, after a first one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PASSWORD_ACR = "urn:tessera:acr:password"
MFA_ACR = "urn:tessera:acr:mfa"
# Phishing-resistant (NIST SP 800-63B-4 §3.2.5): a passkey took part, and WebAuthn binds
# its assertion to our origin (WebAuthn L3 §13.4.1), so a look-alike site cannot relay it.
PHR_ACR = "urn:tessera:acr:phr"
# Weakest first: what `acr_values_supported` advertises (OIDC Discovery 1.0 §3).
ACR_VALUES_SUPPORTED = (PASSWORD_ACR, MFA_ACR, PHR_ACR)


@dataclass(frozen=True)
class AuthenticationMethod:
    name: str
    amr: tuple[str, ...]
    acr: str

    @classmethod
    def of_session(cls, amr: Sequence[str], acr: str) -> AuthenticationMethod:
        """What an SSO session's sign-in was, as its ``amr`` and ``acr`` say (step-up)."""
        return cls("session", amr=tuple(amr), acr=acr)

    def then(self, second: AuthenticationMethod) -> AuthenticationMethod:
        """This first factor followed by ``second``: both methods' ``amr`` values and
        ``mfa`` (RFC 8176 §2: multiple-factor authentication), at the MFA class, or the
        phishing-resistant one when the second is a passkey."""
        amr = tuple(dict.fromkeys((*self.amr, *second.amr, "mfa")))
        acr = PHR_ACR if PHR_ACR in (self.acr, second.acr) else MFA_ACR
        return AuthenticationMethod(f"{self.name}+{second.name}", amr=amr, acr=acr)


PASSWORD = AuthenticationMethod("password", amr=("pwd",), acr=PASSWORD_ACR)
TOTP = AuthenticationMethod("totp", amr=("otp",), acr=MFA_ACR)
# RFC 8176 §2 "otp": a recovery code is a one-time password, printed instead of computed.
RECOVERY_CODE = AuthenticationMethod("recovery_code", amr=("otp",), acr=MFA_ACR)


# Passkeys (WebAuthn L3). RFC 8176 §2 has no WebAuthn value, so the amr says what the
# assertion proves: possession of a key, "hwk" when the credential is bound to its
# authenticator (backup-eligible flag BE clear, WebAuthn L3 §6.1.3: a single-device
# credential, the key never leaves the hardware) and "swk" when it may be synced to
# other devices (BE set: the key is copied by software); "user" because user presence
# (UP) is checked on every assertion. Without a password, user verification (UV) is
# required; it is a second factor held by the authenticator (a PIN or a biometric, and
# WebAuthn does not say which, so neither "pin" nor "fpt" is claimed), so passwordless
# sign-in is multi-factor: "mfa" (NIST SP 800-63B-4 §3.1.7, multi-factor cryptographic
# authenticator).
PASSKEY = AuthenticationMethod("passkey", amr=("hwk", "user", "mfa"), acr=PHR_ACR)
SYNCED_PASSKEY = AuthenticationMethod("synced_passkey", amr=("swk", "user", "mfa"), acr=PHR_ACR)
# As a second factor after a password: possession (and presence) only; `then` adds "mfa".
PASSKEY_SECOND = AuthenticationMethod("passkey", amr=("hwk", "user"), acr=PHR_ACR)
SYNCED_PASSKEY_SECOND = AuthenticationMethod("synced_passkey", amr=("swk", "user"), acr=PHR_ACR)


def passkey_method(*, synced: bool, second_factor: bool) -> AuthenticationMethod:
    """What a verified passkey assertion proves (see PASSKEY above)."""
    if second_factor:
        return SYNCED_PASSKEY_SECOND if synced else PASSKEY_SECOND
    return SYNCED_PASSKEY if synced else PASSKEY


# A sign-in link mailed to the account's address (idp.authn.mail_links): a single-use
# secret sent out of band, so RFC 8176 §2 "otp" (the IANA "Authentication Method
# Reference Values" registry has no value for email); one factor, the single-factor
# class, so the MFA policy still asks for the second factor after it.
MAGIC_LINK = AuthenticationMethod("magic_link", amr=("otp",), acr=PASSWORD_ACR)

FIRST_FACTORS = {method.name: method for method in (PASSWORD, PASSKEY, SYNCED_PASSKEY, MAGIC_LINK)}


def first_factor_named(name: str) -> AuthenticationMethod:
    """The first factor a partial sign-in recorded by name (Authentication.methods)."""
    return FIRST_FACTORS[name]
