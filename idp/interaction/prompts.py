"""Which prompt stands between an interaction and its answer (OIDC Core §3.1.2.3,
§3.1.2.4; the node-oidc-provider interaction policy is the model): checks in order,
the first one that applies wins."""

from __future__ import annotations

from dataclasses import dataclass

from idp.authn.methods import MFA_ACR, PHR_ACR
from idp.authn.mfa_policy import requested_acr, satisfies
from idp.authn.risk import Assessment
from idp.errors import (
    ConsentRequiredError,
    LoginRequiredError,
    UnmetAuthenticationRequirementsError,
)
from idp.interaction.model import Interaction, Prompt
from idp.interaction.registry import Party
from idp.scope import Scope
from idp.sessions.sso import SsoSession


@dataclass(frozen=True)
class SecondFactor:
    """What the sign-in needs of its user's second factor (idp.authn.mfa_policy)."""

    required: bool = False
    enrolled: bool = False  # an authenticator app or a passkey
    totp: bool = False
    passkey: bool = False
    phishing_resistant: bool = False  # acr_values asks for urn:tessera:acr:phr
    unmet: bool = False  # ... and only for it, and the user has no passkey
    # Remembered devices (idp.authn.risk): what the browser said, and whether it stood in
    # for the second factor.
    assessment: Assessment | None = None
    skipped: bool = False

    @property
    def prompt(self) -> Prompt:
        return Prompt.SECOND_FACTOR if self.enrolled else Prompt.ENROLMENT

    @property
    def acr(self) -> str:
        """The class the session must have reached."""
        return PHR_ACR if self.phishing_resistant else MFA_ACR

    def satisfied_by(self, acr: str | None) -> bool:
        return not self.required or satisfies(acr, self.acr)

    def check_can_be_met(self) -> None:
        if self.unmet:
            # OpenID Connect Core Error Code unmet_authentication_requirements 1.0 §1
            # ("MAY be used in other cases"): acr_values asked only for the
            # phishing-resistant class, which needs a passkey this user does not have.
            raise UnmetAuthenticationRequirementsError(
                "the requested authentication context (urn:tessera:acr:phr) needs a "
                "passkey, and this account has none"
            )


def next_prompt(
    interaction: Interaction,
    party: Party,
    session: SsoSession | None,
    consented_scope: Scope,
    now: int,
    second_factor: SecondFactor = SecondFactor(),
) -> Prompt | None:
    """The page the user needs next, or None when the request can be answered.
    With ``prompt=none``, what would have been asked is an error instead."""
    requirements = interaction.requirements
    if requirements.acr_essential and requested_acr(requirements.acr_values) is None:
        # OIDC Core §5.5.1.1: an essential acr that cannot be met fails the sign-in.
        raise UnmetAuthenticationRequirementsError(
            "none of the essential acr values requested is one this provider supports"
        )
    if interaction.authentication.pending_user is not None:
        second_factor.check_can_be_met()
        return second_factor.prompt  # the password is done, the second factor is owed
    if session is None or login_asked_again(interaction, session, now):
        if Prompt.NONE in requirements.prompt:
            raise LoginRequiredError("the user is not logged in")
        return Prompt.LOGIN
    if not second_factor.satisfied_by(session.acr):
        second_factor.check_can_be_met()
        if Prompt.NONE in requirements.prompt:
            # OIDC Core §3.1.2.6: the session is too weak and the user cannot be asked.
            raise LoginRequiredError("the user must authenticate with a second factor")
        return second_factor.prompt  # step-up
    if interaction.consented:
        return None
    if Prompt.CONSENT in requirements.prompt:
        return Prompt.CONSENT  # OIDC Core §3.1.2.1: asked for, even by a first-party client
    if party.first_party or requirements.consent_scope.issubset(consented_scope):
        return None
    if Prompt.NONE in requirements.prompt:
        raise ConsentRequiredError("the user has not consented to this client")
    return Prompt.CONSENT


def login_asked_again(interaction: Interaction, session: SsoSession, now: int) -> bool:
    """``prompt=login`` or ``max_age`` ask for a fresh login, which a login within this
    interaction (at or after it) satisfies."""
    logged_in_at = interaction.authentication.authenticated_at
    if logged_in_at is not None and session.auth_time >= logged_in_at:
        return False
    requirements = interaction.requirements
    if Prompt.LOGIN in requirements.prompt or requirements.max_age == 0:
        return True  # OIDC Core §3.1.2.1: max_age=0 is equivalent to prompt=login
    return requirements.max_age is not None and now - session.auth_time > requirements.max_age
