"""Suspend, load and resume an authorization request."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol

from idp.authn.storage import UserStore
from idp.authn.users import is_active_user
from idp.errors import ProtocolError
from idp.oauth.authorization import (
    AuthorizationRequest,
    Step,
    issue_authorization_code,
    next_step,
)
from idp.oauth.clients import Client
from idp.oauth.device import normalize_user_code
from idp.oauth.grants import DeviceStatus
from idp.oauth.storage import CodeStore, ConsentStore, DeviceStore, InteractionStore
from idp.scope import Scope
from idp.secret import digest, new_token
from idp.sessions.sso import SsoSession


@dataclass(frozen=True)
class Interaction:
    """A suspended request: an authorization request, or (``device_code_digest`` set) a
    device authorization the user is approving on this browser (RFC 8628 §3.3)."""

    id: str
    request: AuthorizationRequest
    logged_in_at: int | None = None
    consented: bool = False
    device_code_digest: str | None = None

    def to_record(self) -> dict[str, Any]:
        return {
            "request": self.request.to_record(),
            "logged_in_at": self.logged_in_at,
            "consented": self.consented,
            "device_code_digest": self.device_code_digest,
        }


class InteractionNotFoundError(LookupError):
    pass


@dataclass(frozen=True)
class CodeIssued:
    """The request is complete: redirect the code to the client."""

    code: str


@dataclass(frozen=True)
class DeviceApproved:
    """The user approved a device; it will receive its tokens at its next poll."""


class InvalidUserCodeError(LookupError):
    pass


def start_device_interaction(
    store: DeviceInteractionStores, typed_user_code: str, now: int, ttl: int
) -> Interaction:
    """RFC 8628 §3.3: the user typed a code; approve that device after login and consent
    (always asked for: the user must see which application they let in, §5.4)."""
    user_code = normalize_user_code(typed_user_code)
    found = store.load_device_authorization_by_user_code(user_code) if user_code else None
    if found is None or found[1].status is not DeviceStatus.PENDING or found[1].expires_at <= now:
        raise InvalidUserCodeError(typed_user_code)
    code_digest, auth = found
    request = AuthorizationRequest(
        client_id=auth.client_id,
        redirect_uri="",
        scope=auth.scope,
        prompt=("consent",),
    )
    interaction = Interaction(id=new_token(), request=request, device_code_digest=code_digest)
    store.save_interaction(
        digest(interaction.id), auth.client_id, interaction.to_record(), now, now + ttl
    )
    return interaction


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
        device_code_digest=record.get("device_code_digest"),
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


class AdvanceStores(ConsentStore, CodeStore, InteractionStore, DeviceStore, UserStore, Protocol):
    """What moving an authorization request forward reads and writes."""


class DeviceInteractionStores(InteractionStore, DeviceStore, Protocol):
    pass


def advance(
    stores: AdvanceStores,
    request: AuthorizationRequest,
    client: Client,
    session: SsoSession | None,
    interaction: Interaction | None,
    *,
    now: int,
    code_ttl: int,
) -> CodeIssued | DeviceApproved | Step:
    """Issue the code if nothing stands in the way; else name the page the user needs.

    Errors (login_required, consent_required) are bound to the verified redirect URI.
    """
    if session is not None and not is_active_user(stores, session.user_id):
        session = None  # a disabled account's live sessions sign no one in
    consented = (
        stores.load_consented_scope(session.user_id, client.client_id) if session else Scope()
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
        raise error.redirected_to(request.redirect_uri, request.state) from None
    if step is not Step.ISSUE_CODE or session is None:
        return step
    if interaction is not None:
        finish_interaction(stores, interaction)
        if interaction.device_code_digest:
            stores.decide_device_authorization(
                interaction.device_code_digest, DeviceStatus.APPROVED, session
            )
            return DeviceApproved()
    return CodeIssued(issue_authorization_code(stores, request, session, now, code_ttl))
