"""Move an interaction forward: ask the user what the next prompt needs, or let the
protocol that suspended the request answer it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

from idp.authn.mfa_policy import (
    MfaByAccess,
    phishing_resistant_required,
    remembered_device_may_skip,
    second_factor_required,
    unmet_acr,
    user_requires_mfa,
)
from idp.authn.risk import NO_EVIDENCE, DeviceEvidence, Signal, assess
from idp.authn.storage import PasskeyStore, RememberedDeviceStore, SecondFactorStore, UserStore
from idp.authn.users import User, is_active_user
from idp.errors import ProtocolError
from idp.interaction.model import Interaction, Prompt
from idp.interaction.prompts import SecondFactor, next_prompt
from idp.interaction.registry import Completion, InteractionHandler, Party
from idp.interaction.storage import ConsentStore
from idp.scope import Scope
from idp.sessions.sso import SsoSession
from idp.sessions.storage import SessionParties


class InteractionStores(
    ConsentStore,
    UserStore,
    SecondFactorStore,
    PasskeyStore,
    RememberedDeviceStore,
    SessionParties,
    Protocol,
):
    """What moving an interaction forward reads."""


S = TypeVar("S", bound=InteractionStores)


@dataclass(frozen=True)
class Ask:
    """Show the user the page of ``prompt``; ``user``: who is signing in, once known."""

    prompt: Prompt
    party: Party
    user: User | None = None
    # What the second factor's page offers.
    second_factor: SecondFactor = field(default_factory=SecondFactor)


def advance(
    stores: S,
    handler: InteractionHandler[S],
    interaction: Interaction,
    session: SsoSession | None,
    now: int,
    access: MfaByAccess,
    device: DeviceEvidence = NO_EVIDENCE,
) -> Completion | Ask:
    """Answer the request if nothing stands in the way; else name the page the user
    needs. A refusal (``prompt=none``) goes where the handler sends its errors.
    ``access``: whether the user's roles or groups require a second factor;
    ``device``: what the browser says of itself (idp.authn.risk)."""
    party = handler.load_party(stores, interaction)
    if session is not None and not is_active_user(stores, session.user_id):
        session = None  # a disabled account's live sessions sign no one in
    user = signing_in(stores, interaction, session)
    if interaction.authentication.pending_user is not None and user is None:
        return Ask(Prompt.LOGIN, party)  # disabled since the password: start again
    consented = stores.load_consented_scope(session.user_id, party.id) if session else Scope()
    factor = second_factor(stores, interaction, party, user, access, device, now)
    try:
        prompt = next_prompt(interaction, party, session, consented, now, factor)
    except ProtocolError as error:
        raise handler.refusal(interaction, error) from None
    if prompt is not None or session is None:
        return Ask(prompt or Prompt.LOGIN, party, user, factor)
    completion = handler.complete(stores, interaction, session, now)
    if party.joins_session:  # it now holds something of this session: tell it at logout
        stores.add_session_party(session.sid, party.id, session.user_id, now)
    return completion


def signing_in(
    stores: UserStore, interaction: Interaction, session: SsoSession | None
) -> User | None:
    """The active user who is signing in: the one owing a second factor here, else the
    session's."""
    user_id = interaction.authentication.pending_user or (session.user_id if session else None)
    user = stores.load_user(user_id) if user_id else None
    return user if user is not None and not user.disabled else None


class SecondFactorStores(SecondFactorStore, PasskeyStore, RememberedDeviceStore, Protocol):
    """What deciding on the second factor reads: an authenticator app, passkeys, the
    user's remembered devices."""


def second_factor(
    stores: SecondFactorStores,
    interaction: Interaction,
    party: Party,
    user: User | None,
    access: MfaByAccess,
    device: DeviceEvidence = NO_EVIDENCE,
    now: int = 0,
) -> SecondFactor:
    """Whether this sign-in needs ``user``'s second factor, and whether they have one (an
    authenticator app or a passkey); whether it must be a passkey (acr_values asks for
    the phishing-resistant class), or cannot be met at all (no passkey to give); and
    whether a remembered device on a known network stands in for it where the policy
    allows."""
    if user is None:
        return SecondFactor()
    totp = stores.load_totp_credential(user.id) is not None
    passkey = stores.has_passkey(user.id)
    acr_values = interaction.requirements.acr_values
    user_requires = user_requires_mfa(user, access)
    required = second_factor_required(
        user_requires=user_requires,
        enrolled=totp or passkey,
        party_requires=party.require_mfa,
        acr_values=acr_values,
        has_passkey=passkey,
    )
    unmet = unmet_acr(acr_values, has_passkey=passkey)
    factor = SecondFactor(
        required=required or unmet,
        enrolled=totp or passkey,
        totp=totp,
        passkey=passkey,
        phishing_resistant=phishing_resistant_required(acr_values, has_passkey=passkey),
        unmet=unmet,
    )
    if not (factor.required and factor.enrolled and device.offered):
        return factor
    cookie = device.cookie
    stored = stores.load_remembered_device(user.id, cookie.device_digest) if cookie else None
    assessment = assess(device, user.id, stored, now)
    skipped = assessment.signal is Signal.KNOWN and remembered_device_may_skip(
        user_requires=user_requires,
        party_requires=party.require_mfa,
        acr_values=acr_values,
        reauthenticating=reauthentication_asked(interaction),
    )
    return replace(factor, required=not skipped, assessment=assessment, skipped=skipped)


def reauthentication_asked(interaction: Interaction) -> bool:
    """``prompt=login`` or any ``max_age``: the user is to prove who they are again."""
    requirements = interaction.requirements
    return Prompt.LOGIN in requirements.prompt or requirements.max_age is not None
