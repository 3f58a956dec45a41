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


# How recent a sign-in must be before an account page changes how the user signs in
# (removing a factor, changing the password): NIST SP 800-63B §4.2.3 reauthentication.
RECENT_SIGN_IN = 300


def account_interaction(next_page: str = SESSIONS_PAGE, *, fresh: bool = False) -> Interaction:
    """Sign in to the account pages, then go to ``next_page`` (a path of this site);
    ``fresh`` asks for a sign-in within RECENT_SIGN_IN seconds, even with a session."""
    return Interaction(
        kind=InteractionKind.ACCOUNT,
        payload={"next": next_page},
        requirements=Requirements(
            party_id=ACCOUNT_PARTY.id,
            consent_scope=Scope(),
            max_age=RECENT_SIGN_IN if fresh else None,
        ),
    )


def signed_in_recently(session: SsoSession, now: int) -> bool:
    return now - session.auth_time <= RECENT_SIGN_IN


@dataclass(frozen=True)
class AccountSignIns:
    """The handler of InteractionKind.ACCOUNT."""

    def load_party(self, stores: object, interaction: Interaction) -> Party:
        return ACCOUNT_PARTY

    def complete(
        self, stores: object, interaction: Interaction, session: SsoSession, now: int
    ) -> Completion:
        next_page = str(interaction.payload.get("next", SESSIONS_PAGE))
        # Only a path of this site: the payload is sealed, but stay closed anyway.
        return Redirect(next_page if next_page.startswith("/account") else SESSIONS_PAGE)

    def deny(self, stores: object, interaction: Interaction) -> Completion:
        return Page("account_sessions.html", {"signed_in": False})

    def refusal(self, interaction: Interaction, error: ProtocolError) -> ProtocolError:
        return error  # shown on the page: nowhere to redirect to
