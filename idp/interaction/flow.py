"""Suspend, load and resume an authorization request."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol

from idp.errors import ProtocolError
from idp.oauth.authorization import (
    AuthorizationRequest,
    Step,
    issue_authorization_code,
    next_step,
)
from idp.oauth.clients import Client
from idp.oauth.storage import CodeStore, ConsentStore, InteractionStore
from idp.secret import digest, new_token
from idp.sessions.sso import SsoSession


@dataclass(frozen=True)
class Interaction:
    id: str
    request: AuthorizationRequest
    logged_in_at: int | None = None
    consented: bool = False

    def to_record(self) -> dict[str, Any]:
        return {
            "request": self.request.to_record(),
            "logged_in_at": self.logged_in_at,
            "consented": self.consented,
        }


class InteractionNotFoundError(LookupError):
    pass


@dataclass(frozen=True)
class CodeIssued:
    """The request is complete: redirect the code to the client."""

    code: str


def start_interaction(
    store: InteractionStore, request: AuthorizationRequest, now: int, ttl: int
) -> Interaction:
    interaction = Interaction(id=new_token(), request=request)
    store.save_interaction(
        digest(interaction.id), request.client_id, interaction.to_record(), now, now + ttl
    )
    return interaction


def load_interaction(store: InteractionStore, interaction_id: str, now: int) -> Interaction:
    record = store.load_interaction(digest(interaction_id), now)
    if record is None:
        raise InteractionNotFoundError(interaction_id)
    return Interaction(
        id=interaction_id,
        request=AuthorizationRequest.from_record(record["request"]),
        logged_in_at=record["logged_in_at"],
        consented=record["consented"],
    )


def update_interaction(
    store: InteractionStore, interaction: Interaction, now: int, ttl: int, **changes: Any
) -> Interaction:
    updated = replace(interaction, **changes)
    store.save_interaction(
        digest(updated.id),
        updated.request.client_id,
        updated.to_record(),
        now,
        now + ttl,
    )
    return updated


def finish_interaction(store: InteractionStore, interaction: Interaction) -> None:
    store.delete_interaction(digest(interaction.id))


class AdvanceStores(ConsentStore, CodeStore, InteractionStore, Protocol):
    """What moving an authorization request forward reads and writes."""


def advance(
    stores: AdvanceStores,
    request: AuthorizationRequest,
    client: Client,
    session: SsoSession | None,
    interaction: Interaction | None,
    *,
    now: int,
    code_ttl: int,
) -> CodeIssued | Step:
    """Issue the code if nothing stands in the way; else name the page the user needs.

    Errors (login_required, consent_required) are bound to the verified redirect URI.
    """
    consented = (
        stores.load_consented_scope(session.user_id, client.client_id) if session else frozenset()
    )
    logged_in_here = bool(
        interaction
        and interaction.logged_in_at is not None
        and session is not None
        and session.auth_time >= interaction.logged_in_at
    )
    try:
        step = next_step(
            request,
            client,
            session,
            consented,
            now,
            logged_in_here=logged_in_here,
            consented_here=bool(interaction and interaction.consented),
        )
    except ProtocolError as error:
        raise error.bind_redirect(request.redirect_uri, request.state) from None
    if step is not Step.ISSUE_CODE or session is None:
        return step
    if interaction is not None:
        finish_interaction(stores, interaction)
    return CodeIssued(issue_authorization_code(stores, request, session, now, code_ttl))
