"""Authentication methods and what they assert: ``amr`` values (RFC 8176 §2) and the
authentication context class (``acr``, OIDC Core §2) a method reaches on its own or, for
a second factor, after a first one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PASSWORD_ACR = "urn:tessera:acr:password"
MFA_ACR = "urn:tessera:acr:mfa"
# Weakest first: what `acr_values_supported` advertises (OIDC Discovery 1.0 §3).
ACR_VALUES_SUPPORTED = (PASSWORD_ACR, MFA_ACR)


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
        ``mfa`` (RFC 8176 §2: multiple-factor authentication), at the MFA class."""
        amr = tuple(dict.fromkeys((*self.amr, *second.amr, "mfa")))
        return AuthenticationMethod(f"{self.name}+{second.name}", amr=amr, acr=MFA_ACR)


PASSWORD = AuthenticationMethod("password", amr=("pwd",), acr=PASSWORD_ACR)
TOTP = AuthenticationMethod("totp", amr=("otp",), acr=MFA_ACR)
# RFC 8176 §2 "otp": a recovery code is a one-time password, printed instead of computed.
RECOVERY_CODE = AuthenticationMethod("recovery_code", amr=("otp",), acr=MFA_ACR)

# A sign-in link mailed to the account's address (idp.authn.mail_links): a single-use
# secret sent out of band, so RFC 8176 §2 "otp" (the IANA "Authentication Method
# Reference Values" registry has no value for email); one factor, the single-factor
# class, so the MFA policy still asks for the second factor after it.
MAGIC_LINK = AuthenticationMethod("magic_link", amr=("otp",), acr=PASSWORD_ACR)

FIRST_FACTORS = {method.name: method for method in (PASSWORD, MAGIC_LINK)}


def first_factor_named(name: str) -> AuthenticationMethod:
    """The first factor a partial sign-in recorded by name (Authentication.methods)."""
    return FIRST_FACTORS[name]
