"""Passwords: the policy a new one must meet, and hashing with argon2id.

The policy follows NIST SP 800-63B-4 §3.1.1.2 (password verifiers): at least 15
characters for a password that is the only factor, and at least 8 for an account that
also uses a second factor; at least 64 allowed (we allow MAX_PASSWORD_LENGTH); no
composition rules; every printing character and Unicode accepted, normalised (NFKC,
UAX #15) before hashing, each code point counted once; a new password compared with a
blocklist of commonly used or compromised values and with context words (the username,
the email's local part, the service's name), with the reason said when one is refused.

Hashing parameters follow the OWASP Password Storage Cheat Sheet (m=19 MiB, t=2, p=1).
Hashes made with older parameters are replaced at the next successful login. An unknown
username still costs one verification, so timing does not reveal which accounts exist.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))

# NIST SP 800-63B-4 §3.1.1.2: 15 as a single factor, 8 beside a second factor.
MIN_PASSWORD_LENGTH = 15
MIN_PASSWORD_LENGTH_WITH_MFA = 8
# Checked before argon2 runs, so no request makes the server hash a megabyte; NIST
# asks for at least 64.
MAX_PASSWORD_LENGTH = 1024
# Context words shorter than this are too common inside passphrases to refuse.
MIN_CONTEXT_WORD = 4
SERVICE_WORDS = ("tessera",)


class WeakPasswordError(ValueError):
    """A new password the policy refuses; the message says why, for the person."""


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = MIN_PASSWORD_LENGTH
    min_length_with_mfa: int = MIN_PASSWORD_LENGTH_WITH_MFA
    service_name: str = "Tessera"

    def check(
        self,
        password: str,
        *,
        username: str | None = None,
        email: str | None = None,
        uses_mfa: bool = False,
    ) -> None:
        """Raises WeakPasswordError, saying why, unless ``password`` may be chosen."""
        check_password_policy(
            password,
            min_length=self.min_length_with_mfa if uses_mfa else self.min_length,
            context=_context_words(username, email, self.service_name),
        )


def normalise(password: str) -> str:
    """NFKC (UAX #15), as NIST SP 800-63B-4 §3.1.1.2 asks before hashing."""
    return unicodedata.normalize("NFKC", password)


def check_password_policy(
    password: str, *, min_length: int = MIN_PASSWORD_LENGTH, context: Iterable[str] = ()
) -> None:
    # Length first, on the raw value: a megabyte is refused before anything reads it.
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPasswordError(f"The password must be at most {MAX_PASSWORD_LENGTH} characters.")
    normalised = normalise(password)
    if len(normalised) < min_length:  # each code point counts once
        raise WeakPasswordError(f"The password must be at least {min_length} characters.")
    folded = normalised.casefold()
    if folded in common_passwords() or folded.strip() in common_passwords():
        raise WeakPasswordError(
            "This password is one of the most common ones, found in lists of leaked "
            "passwords; choose another."
        )
    for word in context:
        if word in folded:
            raise WeakPasswordError(
                f"The password must not contain {word!r} (your username, email or this "
                "service's name)."
            )


def _context_words(username: str | None, email: str | None, service: str) -> list[str]:
    local_part = email.rpartition("@")[0] if email and "@" in email else email
    words = {*SERVICE_WORDS, service, username or "", local_part or ""}
    return sorted(
        folded
        for word in words
        if len(folded := normalise(word).casefold().strip()) >= MIN_CONTEXT_WORD
    )


@cache
def common_passwords() -> frozenset[str]:
    """The shipped blocklist (idp/authn/data/common_passwords.txt, its source and
    licence in its header), loaded once, case-folded."""
    text = files("idp.authn").joinpath("data/common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().casefold() for line in text.splitlines() if line and not line.startswith("#")
    )


def hash_password(password: str) -> str:
    """The argon2id hash of the NFKC form; only the length cap is checked here (the
    policy is the caller's, with the account's context)."""
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPasswordError(f"The password must be at most {MAX_PASSWORD_LENGTH} characters.")
    return HASHER.hash(normalise(password))


def verify_password(password: str, stored_hash: str | None) -> bool:
    """True when ``password`` matches; with no stored hash, burns the same time. A hash
    made before passwords were normalised is tried with the password as typed too."""
    normalised = normalise(password)
    if _verify(normalised, stored_hash):
        return stored_hash is not None
    return normalised != password and stored_hash is not None and _verify(password, stored_hash)


def _verify(password: str, stored_hash: str | None) -> bool:
    try:
        return HASHER.verify(stored_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return HASHER.check_needs_rehash(stored_hash)
