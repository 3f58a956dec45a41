"""Time-based one-time passwords (RFC 6238, with pyotp): 160-bit secrets, 6 digits,
30-second steps, a window of one step either side, and no code accepted twice."""

from __future__ import annotations

import hmac
import re

import pyotp
import segno

SECRET_BYTES = 20  # RFC 4226 §4 R6: 160 bits recommended
STEP = 30  # RFC 6238 §5.2: the default time step
DIGITS = 6
# RFC 6238 §5.2: allow one step of clock drift (or typing time) either side.
WINDOW = 1
CODE_FORMAT = re.compile(r"[0-9]{6}")


class TotpError(ValueError):
    """A code that cannot be accepted; the message is for the user."""


def new_secret() -> str:
    """A random base32 secret (the form authenticator apps take)."""
    return pyotp.random_base32(length=SECRET_BYTES * 8 // 5)


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app scans (Key Uri Format)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP).provisioning_uri(
        name=account, issuer_name=issuer
    )


def normalise_code(code: str) -> str:
    """What the user typed, without the spaces apps show in the middle."""
    return "".join(code.split())


def matching_step(secret: str, code: str, now: int, last_used_step: int | None) -> int:
    """The time step ``code`` belongs to, within the window and later than the last one
    used; else TotpError."""
    code = normalise_code(code)
    if not CODE_FORMAT.fullmatch(code):
        raise TotpError(f"Enter the {DIGITS}-digit code from your authenticator app.")
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP)
    current = now // STEP
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(totp.at(step * STEP), code):
            if last_used_step is not None and step <= last_used_step:
                # RFC 6238 §5.2: MUST NOT accept the second attempt of an accepted OTP.
                raise TotpError("This code has already been used. Wait for the next one.")
            return step
    raise TotpError("The code is wrong or has expired. Enter the current code.")


def check_secret(secret: str) -> str:
    """A secret that came back from the browser's enrolment form (sealed) is base32 of
    the right size."""
    if len(secret) != SECRET_BYTES * 8 // 5 or not re.fullmatch(r"[A-Z2-7]+", secret):
        raise TotpError("This enrolment has expired. Start again.")
    return secret


def qr_code_svg(uri: str) -> str:
    """The provisioning URI as an inline SVG QR code (segno; no external service)."""
    return str(
        segno.make(uri, error="m").svg_inline(scale=4, title="QR code for your authenticator app")
    )
