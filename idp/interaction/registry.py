"""How each kind of interaction is resumed: the protocol that suspended a request
registers a handler for its kind (idp.provider wires them), and the interaction pages
call it without knowing the protocol."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from idp.errors import ProtocolError
from idp.interaction.model import Interaction, InteractionKind
from idp.sessions.sso import SsoSession

S_contra = TypeVar("S_contra", contravariant=True)
S = TypeVar("S")


@dataclass(frozen=True)
class Party:
    """Who is asking: shown on the pages; a first party is not asked for consent."""

    id: str
    name: str
    first_party: bool = False
    # Holds something of the session once answered (a client), so is told at logout.
    joins_session: bool = True
    require_mfa: bool = False  # every user signs in with a second factor


@dataclass(frozen=True)
class Redirect:
    location: str


@dataclass(frozen=True)
class Page:
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)


Completion = Redirect | Page


class InteractionHandler(Protocol[S_contra]):
    def load_party(self, stores: S_contra, interaction: Interaction) -> Party:
        """The party, or a non-redirectable error if it no longer exists."""
        ...

    def complete(
        self, stores: S_contra, interaction: Interaction, session: SsoSession, now: int
    ) -> Completion:
        """Answer the suspended request for the user of ``session``."""
        ...

    def deny(self, stores: S_contra, interaction: Interaction) -> Completion:
        """The user said no (or cancelled)."""
        ...

    def refusal(self, interaction: Interaction, error: ProtocolError) -> ProtocolError:
        """Where an error about this interaction goes (e.g. the client's redirect URI)."""
        ...


class UnknownInteractionKindError(LookupError):
    pass


@dataclass(frozen=True)
class InteractionRegistry(Generic[S]):
    handlers: Mapping[InteractionKind, InteractionHandler[S]]

    def handler(self, interaction: Interaction) -> InteractionHandler[S]:
        try:
            return self.handlers[interaction.kind]
        except KeyError:
            raise UnknownInteractionKindError(interaction.kind) from None
