"""Password login: one answer for every failure, so the form never reveals which
usernames exist (OWASP Authentication Cheat Sheet)."""

from __future__ import annotations

from idp.authn.passwords import HASHER, needs_rehash, verify_password
from idp.authn.storage import UserStore
from idp.authn.users import User


def authenticate_password(users: UserStore, username: str, password: str) -> User | None:
    """The active user whose password this is, or None; rehashes outdated hashes."""
    user = users.load_user_by_username(username.strip())
    stored_hash = user.password_hash if user else None
    if not verify_password(password, stored_hash) or user is None or user.disabled:
        return None
    if stored_hash and needs_rehash(stored_hash):
        users.set_password_hash(user.id, HASHER.hash(password))
    return user
