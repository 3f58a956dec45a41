"""What the authorization server core needs from storage (fosite-style: the protocol
owns these interfaces, ``idp.store`` implements them)."""

from __future__ import annotations

from typing import Any, Protocol

from idp.oauth.clients import Client
from idp.oauth.grants import AuthorizationCode, IssuedTokens, RefreshToken


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

    def revoke_code_grant(self, code_digest: str, now: int) -> None:
        """Take back what the first redemption issued (RFC 6749 §4.1.2)."""
        ...


class RefreshTokenStore(Protocol):
    def save_refresh_token(self, token_digest: str, token: RefreshToken) -> None: ...


class ConsentStore(Protocol):
    def load_consented_scope(self, user_id: str, client_id: str) -> frozenset[str]: ...

    def save_consent(
        self, user_id: str, client_id: str, scope: frozenset[str], now: int
    ) -> None: ...


class InteractionStore(Protocol):
    def save_interaction(
        self, id_digest: str, client_id: str, request: dict[str, Any], now: int, expires_at: int
    ) -> None: ...

    def load_interaction(self, id_digest: str, now: int) -> dict[str, Any] | None: ...

    def delete_interaction(self, id_digest: str) -> None: ...


class RevocationStore(Protocol):
    def is_revoked(self, kind: str, value: str) -> bool: ...
