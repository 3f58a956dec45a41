"""What authentication needs from storage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from idp.authn.risk import RememberedDevice
from idp.authn.users import User
from idp.revocation.storage import SecurityEventLog

if TYPE_CHECKING:
    from idp.authn.mail_links import MailLink


class UserStore(Protocol):
    def load_user(self, user_id: str) -> User | None: ...

    def load_user_by_username(self, username: str) -> User | None: ...

    def set_password_hash(self, user_id: str, password_hash: str) -> None: ...


@dataclass(frozen=True)
class TotpCredential:
    sealed_secret: bytes  # idp.sealing, bound to the user
    last_used_step: int | None


class SecondFactorStore(SecurityEventLog, Protocol):
    """A user's second factors: a TOTP credential and recovery codes."""

    def load_totp_credential(self, user_id: str) -> TotpCredential | None: ...

    def save_totp_credential(
        self, user_id: str, sealed_secret: bytes, last_used_step: int, now: int
    ) -> None:
        """Set (or replace) the user's TOTP credential."""
        ...

    def use_totp_step(self, user_id: str, step: int) -> bool:
        """Record ``step`` as used if it is later than the last one used (a conditional
        UPDATE: of two concurrent uses of a code, one wins)."""
        ...

    def replace_recovery_codes(self, user_id: str, digests: list[str], now: int) -> None: ...

    def use_recovery_code(self, user_id: str, code_digest: str, now: int) -> bool:
        """Mark the code used if it is the user's and unused (conditional UPDATE)."""
        ...

    def count_unused_recovery_codes(self, user_id: str) -> int: ...

    def delete_second_factors(self, user_id: str) -> bool:
        """Remove the TOTP credential, the recovery codes and the remembered devices
        (which stood in for that factor); True if there was a TOTP credential."""
        ...

    def set_mfa_required(self, user_id: str, required: bool, now: int) -> None: ...


@dataclass(frozen=True)
class Passkey:
    """A WebAuthn credential registered to a user (WebAuthn L3 §4 "credential record")."""

    credential_id: str  # base64url, as the browser names it
    user_id: str
    public_key: bytes  # COSE_Key (RFC 9052 §7), as the authenticator gave it
    sign_count: int
    transports: tuple[str, ...]
    name: str
    aaguid: str | None  # the authenticator model, when the attestation said
    synced: bool  # backup eligible (BE, §6.1.3): a multi-device credential
    created_at: int
    last_used_at: int | None


class PasskeyStore(SecurityEventLog, Protocol):
    """Users' passkeys, and the WebAuthn challenges already used."""

    def list_passkeys(self, user_id: str) -> list[Passkey]:
        """Oldest first."""
        ...

    def load_passkey(self, credential_id: str) -> Passkey | None: ...

    def has_passkey(self, user_id: str) -> bool: ...

    def add_passkey(self, passkey: Passkey) -> bool:
        """False when the credential id is registered already (to anyone)."""
        ...

    def record_passkey_use(
        self, credential_id: str, old_sign_count: int, new_sign_count: int, now: int
    ) -> bool:
        """Store the new count if the stored one is still ``old_sign_count`` (a
        conditional UPDATE)."""
        ...

    def rename_passkey(self, user_id: str, credential_id: str, name: str) -> bool: ...

    def delete_passkey(self, user_id: str, credential_id: str) -> bool: ...

    def use_webauthn_challenge(self, challenge_digest: str, expires_at: int) -> bool:
        """Record the challenge as used; False if it was already (a conditional insert)."""
        ...


class RememberedDeviceStore(Protocol):
    """The user's remembered devices (idp.authn.risk), keyed by the device id's digest."""

    def load_remembered_device(
        self, user_id: str, device_digest: str
    ) -> RememberedDevice | None: ...

    def save_remembered_device(self, user_id: str, device: RememberedDevice) -> None: ...

    def update_remembered_device(
        self, user_id: str, device_digest: str, networks: tuple[str, ...], now: int
    ) -> None:
        """The networks it has given a second factor from, and when it was last used."""
        ...

    def list_remembered_devices(self, user_id: str, now: int) -> list[RememberedDevice]:
        """Those not yet expired, most recently used first."""
        ...

    def forget_remembered_devices(self, user_id: str, device_digest: str | None = None) -> int:
        """Forget one device of the user (or all of them); how many were forgotten."""
        ...


class MailLinkStore(UserStore, Protocol):
    """Password-reset and sign-in links (idp.authn.mail_links)."""

    def load_user_by_email(self, email: str) -> User | None:
        """The one account with this email address (case-insensitive); None if there is
        none, or more than one."""
        ...

    def save_mail_link(self, link: MailLink) -> None: ...

    def load_mail_link(self, token_digest: str) -> MailLink | None: ...

    def use_mail_link(self, token_digest: str, now: int) -> bool:
        """Mark the link used if it is unused and unexpired (conditional UPDATE)."""
        ...

    def discard_mail_links(self, user_id: str, purpose: str) -> None:
        """Delete the user's unused links of this purpose."""
        ...
