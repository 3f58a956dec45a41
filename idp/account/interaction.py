"""Signing in to the account pages is an interaction of its own kind: the user logs in
(no consent: the account is Tessera's own), and is sent to the page they asked for."""

from __future__ import annotations

from dataclasses import dataclass

from idp.errors import ProtocolError
from idp.interaction.model import Interaction, InteractionKind, Requirements
from idp.interaction.registry import Completion, Page, Party, Redirect
from idp.scope import Scope
from idp.sessions.sso import SsoSession

ACCOUNT_PARTY = Party("account", "your Tessera account", first_party=True, joins_session=False)
SESSIONS_PAGE = "/account/sessions"


def account_interaction() -> Interaction:
    return Interaction(
        kind=InteractionKind.ACCOUNT,
        payload={"next": SESSIONS_PAGE},
        requirements=Requirements(party_id=ACCOUNT_PARTY.id, consent_scope=Scope()),
    )


@dataclass(frozen=True)
class AccountSignIns:
    """The handler of InteractionKind.ACCOUNT."""

    def load_party(self, stores: object, interaction: Interaction) -> Party:
        return ACCOUNT_PARTY

    def complete(
        self, stores: object, interaction: Interaction, session: SsoSession, now: int
    ) -> Completion:
        return Redirect(SESSIONS_PAGE)

    def deny(self, stores: object, interaction: Interaction) -> Completion:
        return Page("account_sessions.html", {"signed_in": False})

    def refusal(self, interaction: Interaction, error: ProtocolError) -> ProtocolError:
        return error  # shown on the page: nowhere to redirect to
