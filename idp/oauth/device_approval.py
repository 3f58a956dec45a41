"""Approving a device on this browser (RFC 8628 §3.3) as an interaction: the user types
the code the device shows, logs in and consents (always asked: the user must see which
application they let in, §5.4); the device gets its tokens at its next poll."""

from __future__ import annotations

from dataclasses import dataclass

from idp.errors import ProtocolError
from idp.interaction.model import Interaction, InteractionKind, Prompt, Requirements
from idp.interaction.registry import Completion, Page, Party
from idp.oauth.authorization_interaction import client_party
from idp.oauth.device import normalize_user_code
from idp.oauth.grants import DeviceStatus
from idp.oauth.storage import ClientStore, DeviceStore
from idp.sessions.sso import SsoSession

DEVICE_CODE = "device_code_digest"
APPROVED = frozenset({DeviceStatus.APPROVED, DeviceStatus.REDEEMED})


class InvalidUserCodeError(LookupError):
    pass


def device_interaction(store: DeviceStore, typed_user_code: str, now: int) -> Interaction:
    user_code = normalize_user_code(typed_user_code)
    found = store.load_device_authorization_by_user_code(user_code) if user_code else None
    if found is None or found[1].status is not DeviceStatus.PENDING or found[1].expires_at <= now:
        raise InvalidUserCodeError(typed_user_code)
    code_digest, auth = found
    return Interaction(
        kind=InteractionKind.DEVICE_APPROVAL,
        payload={DEVICE_CODE: code_digest},
        requirements=Requirements(
            party_id=auth.client_id, consent_scope=auth.scope, prompt=frozenset({Prompt.CONSENT})
        ),
    )


@dataclass(frozen=True)
class DeviceApprovals:
    """The handler of InteractionKind.DEVICE_APPROVAL."""

    clients: ClientStore

    def load_party(self, stores: DeviceStore, interaction: Interaction) -> Party:
        return self._party(interaction)

    def complete(
        self, stores: DeviceStore, interaction: Interaction, session: SsoSession, now: int
    ) -> Completion:
        code_digest = interaction.payload[DEVICE_CODE]
        stores.decide_device_authorization(code_digest, DeviceStatus.APPROVED, session)
        # Whoever decided first (this page loaded twice, or another tab) decided for good.
        auth = stores.load_device_authorization(code_digest)
        approved = auth is not None and auth.status in APPROVED
        return self._done(interaction, approved=approved)

    def deny(self, stores: DeviceStore, interaction: Interaction) -> Completion:
        # RFC 8628 §3.5: the device's next poll is told access_denied.
        stores.decide_device_authorization(
            interaction.payload[DEVICE_CODE], DeviceStatus.DENIED, None
        )
        return self._done(interaction, approved=False)

    def refusal(self, interaction: Interaction, error: ProtocolError) -> ProtocolError:
        return error  # shown on the page: a device has no redirect URI

    def _party(self, interaction: Interaction) -> Party:
        return client_party(self.clients, interaction.requirements.party_id)[1]

    def _done(self, interaction: Interaction, *, approved: bool) -> Page:
        context = {"client_name": self._party(interaction).name, "approved": approved}
        return Page("device_done.html", context)
