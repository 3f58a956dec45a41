"""The second factor of a sign-in: a TOTP code (idp.authn.totp) or a recovery code
(idp.authn.recovery_codes), checked against what the user enrolled; and enrolment itself.

The TOTP secret is sealed (AES-256-GCM, idp.sealing) under a key derived from the
instance secret and bound to the user's id, as signing keys are: a copy of the database
reveals no secret, and a sealed secret moved to another user's row does not open."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass
from typing import Protocol

from idp.authn.methods import RECOVERY_CODE, TOTP, AuthenticationMethod
from idp.authn.recovery_codes import code_digest, looks_like_recovery_code, new_codes
from idp.authn.storage import PasskeyStore, SecondFactorStore
from idp.authn.totp import TotpError, check_secret, matching_step
from idp.sealing import Sealer, UnsealError

log = logging.getLogger("idp.authn")

# Not a CAEP/RISC type, so no Shared Signals stream carries it (idp.ssf.model): a row of
# the security log for operators.
RECOVERY_CODE_USED = "urn:tessera:event:recovery-code-used"
ENROLMENT_TTL = 600  # seconds to scan the QR code and type the first code


class EnrolledFactors(SecondFactorStore, PasskeyStore, Protocol):
    """What says whether a user has a second factor."""


def has_second_factor(stores: EnrolledFactors, user_id: str) -> bool:
    """An authenticator app or a passkey (either of which can give the second factor)."""
    return stores.load_totp_credential(user_id) is not None or stores.has_passkey(user_id)


class SecondFactorError(TotpError):
    """Refused; the message is for the user."""


@dataclass(frozen=True)
class SecondFactors:
    secret_sealer: Sealer  # TOTP secrets at rest
    enrolment_sealer: Sealer  # a secret on its way through the enrolment form
    recovery_key: bytes  # the HMAC key of recovery code digests

    def verify(
        self, store: SecondFactorStore, user_id: str, code: str, now: int
    ) -> AuthenticationMethod:
        """The method ``code`` proves for the user (TOTP or recovery code), used up."""
        if looks_like_recovery_code(code):
            return self._use_recovery_code(store, user_id, code, now)
        credential = store.load_totp_credential(user_id)
        if credential is None:
            raise SecondFactorError("No authenticator app is set up for this account.")
        secret = self._open_secret(credential.sealed_secret, user_id)
        step = matching_step(secret, code, now, credential.last_used_step)
        if not store.use_totp_step(user_id, step):  # a concurrent request took it first
            raise SecondFactorError("This code has already been used. Wait for the next one.")
        return TOTP

    def enrol(
        self, store: SecondFactorStore, user_id: str, secret: str, code: str, now: int
    ) -> list[str]:
        """Keep the secret once the user proved their app has it; the new recovery codes."""
        step = matching_step(secret, code, now, None)
        sealed = self.secret_sealer.seal(secret.encode(), user_id.encode())
        store.save_totp_credential(user_id, sealed, step, now)
        return self.regenerate_recovery_codes(store, user_id, now)

    def regenerate_recovery_codes(
        self, store: SecondFactorStore, user_id: str, now: int
    ) -> list[str]:
        """New codes, shown once; the old ones stop working."""
        codes = new_codes()
        digests = [code_digest(self.recovery_key, code) for code in codes]
        store.replace_recovery_codes(user_id, digests, now)
        return codes

    def seal_enrolment(self, user_id: str, secret: str, now: int) -> str:
        """The secret being enrolled, sealed into the form: nothing is stored until the
        user confirms, and the form works on any node."""
        plain = json.dumps({"secret": secret, "exp": now + ENROLMENT_TTL}).encode()
        sealed = self.enrolment_sealer.seal(plain, user_id.encode())
        return base64.urlsafe_b64encode(sealed).decode()

    def open_enrolment(self, user_id: str, sealed: str, now: int) -> str:
        try:
            raw = base64.urlsafe_b64decode(sealed.encode())
            record = json.loads(self.enrolment_sealer.open(raw, user_id.encode()))
            secret, expires_at = str(record["secret"]), int(record["exp"])
        except (binascii.Error, ValueError, UnsealError, KeyError, TypeError):
            raise SecondFactorError("This enrolment has expired. Start again.") from None
        if expires_at <= now:
            raise SecondFactorError("This enrolment has expired. Start again.")
        return check_secret(secret)

    def _use_recovery_code(
        self, store: SecondFactorStore, user_id: str, code: str, now: int
    ) -> AuthenticationMethod:
        if not store.use_recovery_code(user_id, code_digest(self.recovery_key, code), now):
            raise SecondFactorError("This recovery code is wrong or has already been used.")
        remaining = store.count_unused_recovery_codes(user_id)
        store.record_security_event(
            RECOVERY_CODE_USED, subject=user_id, now=now, detail={"remaining": remaining}
        )
        log.info("recovery code used by user %s (%d left)", user_id, remaining)
        return RECOVERY_CODE

    def _open_secret(self, sealed: bytes, user_id: str) -> str:
        return self.secret_sealer.open(sealed, user_id.encode()).decode()
