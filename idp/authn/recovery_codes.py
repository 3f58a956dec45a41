"""Recovery codes: ten single-use codes from a CSPRNG, shown once, usable instead of a
TOTP code when the authenticator is lost (NIST SP 800-63B §5.1.2 look-up secrets).

Each code carries 80 random bits (16 base32 characters) and is stored as an HMAC-SHA-256
under a key derived from the instance secret. Below 112 bits NIST SP 800-63B §5.1.2.1
asks for a salted slow hash; a keyed hash does better against the threat it answers (a
copy of the database): without the key, which is not in the database, not one guess can
be checked offline. And argon2 would cost up to ten slow hashes per sign-in (one per
stored code), more than the password itself. Online guessing meets 2^80 codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

COUNT = 10
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols: no 0/O, 1/I to misread
LENGTH = 16
GROUP = 4
MAX_INPUT = 64


def new_codes() -> list[str]:
    """``COUNT`` fresh codes as shown to the user: XXXX-XXXX-XXXX-XXXX."""
    return [
        _grouped("".join(secrets.choice(ALPHABET) for _ in range(LENGTH))) for _ in range(COUNT)
    ]


def normalise(code: str) -> str | None:
    """The code without separators, upper case; None when it cannot be a code."""
    if len(code) > MAX_INPUT:
        return None
    plain = "".join(ch for ch in code.upper() if ch not in " -")
    if len(plain) != LENGTH or any(ch not in ALPHABET for ch in plain):
        return None
    return plain


def looks_like_recovery_code(code: str) -> bool:
    return normalise(code) is not None


def code_digest(key: bytes, code: str) -> str:
    """Hex HMAC-SHA-256 of the normalised code: how codes are stored and looked up."""
    plain = normalise(code) or ""
    return hmac.new(key, plain.encode(), hashlib.sha256).hexdigest()


def _grouped(plain: str) -> str:
    return "-".join(plain[i : i + GROUP] for i in range(0, LENGTH, GROUP))
