"""What the authorization server core needs from storage (fosite-style: the protocol
owns these interfaces, ``idp.store`` implements them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from idp.oauth.clients import Client

if TYPE_CHECKING:
    from idp.sessions.sso import SsoSession
from idp.oauth.grants import (
    AuthorizationCode,
    DeviceAuthorization,
    DeviceStatus,
    IssuedTokens,
    RefreshToken,
)


class ClientStore(Protocol):
    def load_client(self, client_id: str) -> Client | None: ...


class AssertionStore(Protocol):
    def record_assertion(self, client_id: str, jti: str, expires_at: int) -> bool:
        """Record a client assertion's jti; False if it was already used."""
        ...


class CodeStore(Protocol):
    def save_code(self, code_digest: str, code: AuthorizationCode) -> None: ...

    def load_code(self, code_digest: str) -> AuthorizationCode | None: ...

    def mark_code_used(self, code_digest: str, now: int) -> bool:
        """Mark the code used, once; False if another request used it first."""
        ...

    def record_issued_tokens(self, code_digest: str, issued: IssuedTokens) -> None: ...

    def take_back_code_grant(self, code_digest: str) -> IssuedTokens | None:
        """What the code's redemption issued, handed out once, so it can be revoked."""
        ...


class RefreshTokenStore(Protocol):
    def save_refresh_token(self, token_digest: str, token: RefreshToken) -> None: ...

    def load_refresh_token(self, token_digest: str) -> RefreshToken | None: ...

    def mark_refresh_token_rotated(self, token_digest: str, now: int) -> bool:
        """Mark the token used, once; False if it was already rotated or revoked."""
        ...

    def save_refresh_replay(self, token_digest: str, sealed_response: bytes) -> None:
        """Keep the (sealed) response a rotation gave, for the client's grace period."""
        ...


class DeviceStore(Protocol):
    def save_device_authorization(self, code_digest: str, auth: DeviceAuthorization) -> None: ...

    def load_device_authorization(self, code_digest: str) -> DeviceAuthorization | None: ...

    def load_device_authorization_by_user_code(
        self, user_code: str
    ) -> tuple[str, DeviceAuthorization] | None: ...

    def record_device_poll(self, code_digest: str, now: int, interval: int) -> None: ...

    def decide_device_authorization(
        self, code_digest: str, status: DeviceStatus, session: SsoSession | None
    ) -> bool:
        """Approve or deny a pending authorization; False if it was no longer pending."""
        ...

    def redeem_device_authorization(self, code_digest: str) -> bool:
        """Mark an approved authorization redeemed, once."""
        ...
