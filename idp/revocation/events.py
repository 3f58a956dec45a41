"""Security event types recorded with each revocation, for the security event stream
(RFC 8417 SETs carrying OpenID CAEP 1.0 and RISC 1.0 events)."""

from __future__ import annotations

from enum import StrEnum

CAEP = "https://schemas.openid.net/secevent/caep/event-type/"
RISC = "https://schemas.openid.net/secevent/risc/event-type/"
OAUTH = "https://schemas.openid.net/secevent/oauth/event-type/"


class SecurityEventType(StrEnum):
    SESSION_REVOKED = CAEP + "session-revoked"  # CAEP 1.0 §3.1
    CREDENTIAL_CHANGE = CAEP + "credential-change"  # CAEP 1.0 §3.3
    TOKEN_CLAIMS_CHANGE = CAEP + "token-claims-change"  # CAEP 1.0 §3.2
    ACCOUNT_DISABLED = RISC + "account-disabled"  # RISC 1.0 §2.3
    ACCOUNT_ENABLED = RISC + "account-enabled"  # RISC 1.0 §2.4
    TOKEN_REVOKED = OAUTH + "token-revoked"  # OpenID OAuth Event Types 1.0 (draft)


SYSTEM = "system"  # the actor of what Tessera takes back by itself (reuse, session cap)
OPERATOR = "operator"  # the actor of the idp command line


def user_actor(user_id: str) -> str:
    return f"user:{user_id}"


def client_actor(client_id: str) -> str:
    return f"client:{client_id}"


class Reason(StrEnum):
    """Why something was taken back; kept with the record and the event."""

    TOKEN_REVOCATION = "rfc7009_revocation"
    REFRESH_TOKEN_REUSE = "refresh_token_reuse"
    AUTHORIZATION_CODE_REUSE = "authorization_code_reuse"
    PASSWORD_CHANGE = "password_change"
    PASSWORD_RESET = "password_reset"  # by the user, through a mailed link
    ACCOUNT_DISABLED = "account_disabled"
    CLIENT_DELETED = "client_deleted"
    SESSION_LIMIT = "session_limit"
    LOGOUT = "logout"
    ADMINISTRATOR = "revoked_by_administrator"
    USER = "ended_by_user"
    SUSPENDED = "suspended"
    SUSPENSION_LIFTED = "suspension_lifted"
