"""User administration, shared by the CLI and (next) the admin API.

A changed password and a disabled account end everything the user holds: every SSO
session, every refresh token (offline ones too) and every access token issued until
then (ASVS 5 §7.4), through the one revocation unit of work."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from idp.authn.storage import UserStore
from idp.authn.users import User
from idp.revocation.events import Reason, SecurityEventType
from idp.revocation.revoker import Revoker


class UserDirectory(UserStore, Protocol):
    def create_user(self, user: User, now: int) -> User: ...

    def list_users(self) -> list[User]: ...

    def set_user_disabled(self, user_id: str, disabled: bool, now: int) -> None: ...


class UserAdminError(ValueError):
    pass


def create_user(directory: UserDirectory, user: User, now: int) -> User:
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


def disable_user(directory: UserDirectory, revoker: Revoker, username: str) -> User:
    user = load_user(directory, username)
    directory.set_user_disabled(user.id, True, revoker.now)
    revoker.revoke_subject(
        user.id, reason=Reason.ACCOUNT_DISABLED, event=SecurityEventType.ACCOUNT_DISABLED
    )
    return user


def load_user(directory: UserStore, username: str) -> User:
    user = directory.load_user_by_username(username)
    if user is None:
        raise UserAdminError(f"no user {username!r}")
    return user
