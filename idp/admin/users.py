"""User administration, shared by the CLI and (next) the admin API.

A changed password and a disabled account end everything the user holds: every SSO
session, every refresh token (offline ones too) and every access token issued until
then (ASVS 5 §7.4), through the one revocation unit of work."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Protocol

from idp.authn.storage import UserStore
from idp.authn.users import User
from idp.oauth.parameters import CONTROL_CHARACTERS, PARAMETER_LIMITS
from idp.revocation.events import OPERATOR, Reason, SecurityEventType
from idp.revocation.revoker import Revoker
from idp.revocation.storage import SecurityEventLog


class UserDirectory(UserStore, SecurityEventLog, Protocol):
    def create_user(self, user: User, now: int) -> User: ...

    def list_users(self) -> list[User]: ...

    def set_user_disabled(self, user_id: str, disabled: bool, now: int) -> None: ...

    def update_profile(self, user: User, now: int) -> None: ...


class UserAdminError(ValueError):
    pass


# Profile claims (OIDC Core §5.1) and how long storage holds them.
PROFILE_CLAIMS = {
    "email": 320,
    "email_verified": 0,
    "name": 255,
    "given_name": 255,
    "family_name": 255,
}


def create_user(directory: UserDirectory, user: User, now: int) -> User:
    """A new account, with values the login form and storage can both hold."""
    check_username(user.username)
    check_profile(user)
    if directory.load_user_by_username(user.username):
        raise UserAdminError(f"user {user.username!r} already exists")
    return directory.create_user(replace(user, id=""), now)


def set_password(
    directory: UserDirectory, revoker: Revoker, username: str, password_hash: str
) -> User:
    user = load_user(directory, username)
    directory.set_password_hash(user.id, password_hash)
    revoker.revoke_subject(
        user.id, reason=Reason.PASSWORD_CHANGE, event=SecurityEventType.CREDENTIAL_CHANGE
    )
    return user


def disable_user(directory: UserDirectory, revoker: Revoker, username: str) -> bool:
    """False if the account was disabled already (what it held ended then)."""
    user = load_user(directory, username)
    if user.disabled:
        return False
    directory.set_user_disabled(user.id, True, revoker.now)
    revoker.revoke_subject(
        user.id, reason=Reason.ACCOUNT_DISABLED, event=SecurityEventType.ACCOUNT_DISABLED
    )
    return True


def enable_user(directory: UserDirectory, username: str, now: int) -> bool:
    """The account may log in again (what it held before stays ended); False if it was
    not disabled."""
    user = load_user(directory, username)
    if not user.disabled:
        return False
    directory.set_user_disabled(user.id, False, now)
    directory.record_security_event(SecurityEventType.ACCOUNT_ENABLED, subject=user.id, now=now)
    return True


def update_profile(
    directory: UserDirectory, username: str, changes: Mapping[str, Any], now: int
) -> dict[str, object]:
    """Change profile claims; the claims that changed, with their new values, also sent
    as a CAEP token-claims-change event (the tokens issued before still carry the old)."""
    user = load_user(directory, username)
    updated = replace(user, **changes)
    check_profile(updated)
    changed = {
        claim: getattr(updated, claim)
        for claim in PROFILE_CLAIMS
        if getattr(updated, claim) != getattr(user, claim)
    }
    if changed:
        directory.update_profile(updated, now)
        directory.record_security_event(
            SecurityEventType.TOKEN_CLAIMS_CHANGE,
            subject=user.id,
            now=now,
            detail={"claims": changed, "actor": OPERATOR},
        )
    return changed


def check_profile(user: User) -> None:
    for claim, limit in PROFILE_CLAIMS.items():
        value = getattr(user, claim)
        if isinstance(value, str):
            check_text(claim.replace("_", " "), value, limit)


def check_username(username: str) -> None:
    # As the login form reads it (idp.oauth.parameters): trimmed, bounded, no controls.
    check_text("username", username, PARAMETER_LIMITS["username"])
    if not username or username != username.strip():
        raise UserAdminError("username must not be empty or start or end with a space")


def check_text(field: str, value: str, limit: int) -> None:
    if CONTROL_CHARACTERS.search(value):
        raise UserAdminError(f"{field} must not contain control characters")
    if len(value) > limit:
        raise UserAdminError(f"{field} must be at most {limit} characters")


def load_user(directory: UserStore, username: str) -> User:
    user = directory.load_user_by_username(username)
    if user is None:
        raise UserAdminError(f"no user {username!r}")
    return user
