"""What authentication needs from storage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

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
        """Remove the TOTP credential and recovery codes; True if there was one."""
        ...

    def set_mfa_required(self, user_id: str, required: bool, now: int) -> None: ...


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
