"""Password hashing with argon2id.

Parameters follow the OWASP Password Storage Cheat Sheet (m=19 MiB, t=2, p=1). Hashes
made with older parameters are replaced at the next successful login. An unknown
username still costs one verification, so timing does not reveal which accounts exist.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


class WeakPasswordError(ValueError):
    pass


def hash_password(password: str) -> str:
    check_password_policy(password)
    return HASHER.hash(password)


def check_password_policy(password: str) -> None:
    # NIST SP 800-63B §5.1.1.2: at least 8 characters; allow long passphrases.
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPasswordError(f"password must be at most {MAX_PASSWORD_LENGTH} characters")


def verify_password(password: str, stored_hash: str | None) -> bool:
    """True when ``password`` matches; with no stored hash, burns the same time."""
    try:
        return HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return HASHER.check_needs_rehash(stored_hash)
