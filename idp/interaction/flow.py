"""Move an interaction forward: ask the user what the next prompt needs, or let the
protocol that suspended the request answer it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypeVar

from idp.authn.storage import UserStore
from idp.authn.users import is_active_user
from idp.errors import ProtocolError
from idp.interaction.model import Interaction, Prompt
from idp.interaction.prompts import next_prompt
from idp.interaction.registry import Completion, InteractionHandler, Party
from idp.interaction.storage import ConsentStore
from idp.scope import Scope
from idp.sessions.sso import SsoSession
from idp.sessions.storage import SessionParties


class InteractionStores(ConsentStore, UserStore, SessionParties, Protocol):
    """What moving an interaction forward reads."""


S = TypeVar("S", bound=InteractionStores)


@dataclass(frozen=True)
class Ask:
    """Show the user the page of ``prompt``."""

    prompt: Prompt
    party: Party


def advance(
    stores: S,
    handler: InteractionHandler[S],
    interaction: Interaction,
    session: SsoSession | None,
    now: int,
) -> Completion | Ask:
    """Answer the request if nothing stands in the way; else name the page the user
    needs. A refusal (``prompt=none``) goes where the handler sends its errors."""
    party = handler.load_party(stores, interaction)
    if session is not None and not is_active_user(stores, session.user_id):
        session = None  # a disabled account's live sessions sign no one in
    consented = stores.load_consented_scope(session.user_id, party.id) if session else Scope()
    try:
        prompt = next_prompt(interaction, party, session, consented, now)
    except ProtocolError as error:
        raise handler.refusal(interaction, error) from None
    if prompt is not None or session is None:
        return Ask(prompt or Prompt.LOGIN, party)
    completion = handler.complete(stores, interaction, session, now)
    if party.joins_session:  # it now holds something of this session: tell it at logout
        stores.add_session_party(session.sid, party.id, session.user_id, now)
    return completion
