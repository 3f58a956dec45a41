"""Passkeys: WebAuthn Level 3 registration (§7.1) and authentication (§7.2) ceremonies,
with py_webauthn doing every check of the authenticator's data (CBOR, COSE keys,
signatures, client data, RP ID hash, flags); nothing of it is hand-rolled here.

What is ours: the Relying Party (RP ID = the issuer's host, origin = the issuer's
origin), the challenge, and what a verified credential means for the account.

**The challenge** (§13.4.3: random, at least 16 bytes, used once) is made by
py_webauthn (64 bytes from the CSPRNG) and travels sealed (idp.sealing, AES-256-GCM
under a purpose-bound key) with its ceremony, the user it is for, and an expiry
(CHALLENGE_TTL); the seal is bound to where it was asked (an interaction's URL, or the
account session), and the route keeps it in an HttpOnly cookie, so it is bound to that
browser too. Its digest is recorded when it is used (``use_webauthn_challenge``, a
conditional insert), so it is accepted once.

**Sign counts** (§6.1.1, §7.2 step 22): when the stored count or the new one is not zero
and the new one is not greater, the authenticator may have been cloned: the assertion
is refused and a security event recorded. Authenticators that always report 0 (most
synced passkeys) pass."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import UnsupportedAlgorithm
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from idp.authn.methods import AuthenticationMethod, passkey_method
from idp.authn.storage import Passkey, PasskeyStore
from idp.authn.users import User
from idp.errors import AccessDeniedError, InvalidRequestError
from idp.sealing import Sealer, UnsealError
from idp.secret import digest

log = logging.getLogger("idp.authn")

CHALLENGE_TTL = 300  # s: WebAuthn L3 §15.1 recommends 300 s to 600 s for a ceremony
TIMEOUT_MS = CHALLENGE_TTL * 1000
MAX_CREDENTIAL_ID_BYTES = 1023  # WebAuthn L3 §5.1.3 (credential id at most 1023 bytes)
MAX_PASSKEYS = 20  # per user
MAX_NAME_LENGTH = 64
# Not a CAEP/RISC type, so no Shared Signals stream carries it: a row of the security log.
POSSIBLY_CLONED = "urn:tessera:event:passkey-possibly-cloned"
_ZERO_AAGUID = "00000000-0000-0000-0000-000000000000"
_TRANSPORTS = frozenset(transport.value for transport in AuthenticatorTransport)
# What py_webauthn raises on input it cannot parse (it decodes attacker-controlled
# base64url, JSON and CBOR): each is a refusal of the input, never a server error.
_MALFORMED = (
    WebAuthnException,
    UnsupportedAlgorithm,
    ValueError,  # cbor2's CBORDecodeError and binascii.Error among them
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    RecursionError,
)


class Ceremony(StrEnum):
    REGISTRATION = "registration"  # WebAuthn L3 §7.1, from the account page
    SIGN_IN = "sign_in"  # §7.2 with a discoverable credential: no password
    SECOND_FACTOR = "second_factor"  # §7.2 with the user's credentials, after a password


class PasskeyRefusedError(AccessDeniedError):
    """The credential does not prove what the ceremony needs (signature, origin, RP ID,
    flags, an unknown credential or someone else's)."""

    status_code = 403


class PossiblyClonedError(PasskeyRefusedError):
    """WebAuthn L3 §6.1.1: the sign count went backwards."""


@dataclass(frozen=True)
class RelyingParty:
    """WebAuthn L3 §5.1.4 / §13.4.9: the RP ID is the issuer's host, and only the
    issuer's origin may run a ceremony."""

    id: str
    origin: str
    name: str

    @classmethod
    def of_issuer(cls, issuer: str, name: str = "Tessera") -> RelyingParty:
        parts = urlsplit(issuer)
        return cls(id=parts.hostname or "", origin=f"{parts.scheme}://{parts.netloc}", name=name)


@dataclass(frozen=True)
class Challenge:
    value: bytes
    ceremony: Ceremony
    user_id: str | None
    expires_at: int


@dataclass(frozen=True)
class Options:
    """What the browser passes to navigator.credentials (as JSON) and the sealed state
    the route keeps for the verification."""

    public_key: dict[str, Any]
    state: str


@dataclass(frozen=True)
class VerifiedAssertion:
    passkey: Passkey
    method: AuthenticationMethod


@dataclass(frozen=True)
class PasskeyCeremonies:
    rp: RelyingParty
    sealer: Sealer  # challenges on their way through the browser

    # -- options -----------------------------------------------------------------------

    def registration_options(
        self, user: User, existing: Sequence[Passkey], binding: str, now: int
    ) -> Options:
        """§5.4: a discoverable credential (resident key required, so it can sign in
        without a username) with user verification required; the user's credentials
        excluded, so one authenticator is not registered twice (§5.4.3)."""
        options = generate_registration_options(
            rp_id=self.rp.id,
            rp_name=self.rp.name,
            # §14.6.1: the user handle is the account's random id, no personal data.
            user_id=user.id.encode(),
            user_name=user.username,
            user_display_name=user.username,
            timeout=TIMEOUT_MS,
            attestation=AttestationConveyancePreference.NONE,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                require_resident_key=True,
                user_verification=UserVerificationRequirement.REQUIRED,
            ),
            exclude_credentials=[_descriptor(passkey) for passkey in existing],
        )
        return self._options(options, Ceremony.REGISTRATION, user.id, binding, now)

    def authentication_options(
        self,
        ceremony: Ceremony,
        binding: str,
        now: int,
        *,
        user_id: str | None = None,
        allowed: Sequence[Passkey] = (),
    ) -> Options:
        """§5.5: passwordless sign-in names no credential (the authenticator offers its
        discoverable ones, conditional UI included) and requires user verification; a
        second factor names the user's credentials and prefers it."""
        required = ceremony is Ceremony.SIGN_IN
        options = generate_authentication_options(
            rp_id=self.rp.id,
            timeout=TIMEOUT_MS,
            allow_credentials=[_descriptor(passkey) for passkey in allowed],
            user_verification=UserVerificationRequirement.REQUIRED
            if required
            else UserVerificationRequirement.PREFERRED,
        )
        return self._options(options, ceremony, user_id, binding, now)

    def _options(
        self, options: Any, ceremony: Ceremony, user_id: str | None, binding: str, now: int
    ) -> Options:
        public_key: dict[str, Any] = json.loads(options_to_json(options))
        record = {
            "c": _b64(options.challenge),
            "k": ceremony.value,
            "u": user_id,
            "exp": now + CHALLENGE_TTL,
        }
        sealed = self.sealer.seal(json.dumps(record).encode(), binding.encode())
        return Options(public_key, _b64(sealed))

    # -- verification ------------------------------------------------------------------

    def open_challenge(
        self, store: PasskeyStore, state: str | None, ceremony: Ceremony, binding: str, now: int
    ) -> Challenge:
        """The challenge this browser was given for ``ceremony`` here, used up now: one
        verification per challenge, whatever its outcome (§13.4.3)."""
        challenge = self._unsealed(state, binding)
        if challenge is None or challenge.ceremony is not ceremony:
            raise InvalidRequestError(
                "no passkey request is in progress here; start again", redirectable=False
            )
        if challenge.expires_at <= now:
            raise InvalidRequestError(
                "this passkey request has expired; start again", redirectable=False
            )
        if not store.use_webauthn_challenge(digest(_b64(challenge.value)), challenge.expires_at):
            raise InvalidRequestError(
                "this passkey request was already used; start again", redirectable=False
            )
        return challenge

    def verify_registration(
        self,
        store: PasskeyStore,
        challenge: Challenge,
        user: User,
        credential: dict[str, Any],
        name: str,
        now: int,
    ) -> Passkey:
        """§7.1 by py_webauthn (UV required: the passkey will sign in alone); kept as
        ``name`` for ``user``."""
        name = check_name(name)
        if challenge.user_id != user.id:
            raise PasskeyRefusedError("this passkey request was for another account")
        if len(store.list_passkeys(user.id)) >= MAX_PASSKEYS:
            raise InvalidRequestError(f"at most {MAX_PASSKEYS} passkeys per account")
        try:
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=challenge.value,
                expected_rp_id=self.rp.id,
                expected_origin=self.rp.origin,
                require_user_verification=True,
            )
        except _MALFORMED as refused:
            raise PasskeyRefusedError(
                "the passkey could not be verified", debug=str(refused)
            ) from None
        if len(verified.credential_id) > MAX_CREDENTIAL_ID_BYTES:
            raise PasskeyRefusedError("the credential id is too long (WebAuthn L3 §5.1.3)")
        passkey = Passkey(
            credential_id=_b64(verified.credential_id),
            user_id=user.id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=_transports(credential),
            name=name,
            aaguid=None if verified.aaguid == _ZERO_AAGUID else verified.aaguid,
            synced=verified.credential_device_type is CredentialDeviceType.MULTI_DEVICE,
            created_at=now,
            last_used_at=None,
        )
        # §7.1 step 26: a credential id registered already (to anyone) is refused.
        if not store.add_passkey(passkey):
            raise PasskeyRefusedError("this passkey is registered already")
        return passkey

    def find_credential(self, store: PasskeyStore, credential: dict[str, Any]) -> Passkey | None:
        """The registered passkey the assertion names (§7.2 step 6), before it is
        verified: so its account's failures can be counted."""
        credential_id = credential.get("id") if isinstance(credential, dict) else None
        if not isinstance(credential_id, str) or not credential_id:
            raise InvalidRequestError("the credential has no id")
        if len(credential_id) > (MAX_CREDENTIAL_ID_BYTES * 4 + 2) // 3:
            raise InvalidRequestError("the credential id is too long")
        return store.load_passkey(credential_id)

    def verify_assertion(
        self,
        store: PasskeyStore,
        challenge: Challenge,
        passkey: Passkey | None,
        credential: dict[str, Any],
        now: int,
        *,
        user_id: str | None = None,
    ) -> VerifiedAssertion:
        """§7.2 by py_webauthn, then the sign count (§6.1.1). ``user_id``: the user who
        must own the credential (the second factor, step 6's first case); else the
        credential's owner signs in, and its user handle must name them (step 6's
        second case)."""
        second_factor = challenge.ceremony is Ceremony.SECOND_FACTOR
        if passkey is None:
            raise PasskeyRefusedError("this passkey is not registered here")
        if user_id is not None and passkey.user_id != user_id:
            raise PasskeyRefusedError("this passkey belongs to another account")
        _check_user_handle(credential, passkey)
        try:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=challenge.value,
                expected_rp_id=self.rp.id,
                expected_origin=self.rp.origin,
                credential_public_key=passkey.public_key,
                # The count is checked below, once the signature is known to be good, so
                # that a regression (a possible clone) is told apart from a forgery.
                credential_current_sign_count=0,
                require_user_verification=not second_factor,
            )
        except _MALFORMED as refused:
            raise PasskeyRefusedError(
                "the passkey could not be verified", debug=str(refused)
            ) from None
        self._check_sign_count(store, passkey, verified.new_sign_count, now)
        # A conditional UPDATE: of two assertions with the same count, one wins.
        if not store.record_passkey_use(
            passkey.credential_id, passkey.sign_count, verified.new_sign_count, now
        ):
            raise PasskeyRefusedError("this passkey was used at the same moment elsewhere")
        synced = verified.credential_device_type is CredentialDeviceType.MULTI_DEVICE
        return VerifiedAssertion(
            passkey, passkey_method(synced=synced, second_factor=second_factor)
        )

    def _check_sign_count(
        self, store: PasskeyStore, passkey: Passkey, new_count: int, now: int
    ) -> None:
        stored = passkey.sign_count
        if (stored > 0 or new_count > 0) and new_count <= stored:
            store.record_security_event(
                POSSIBLY_CLONED,
                subject=passkey.user_id,
                now=now,
                detail={
                    "credential_id": passkey.credential_id,
                    "stored_sign_count": stored,
                    "sign_count": new_count,
                },
            )
            log.warning(
                "passkey %s of user %s: sign count %d after %d, possibly cloned",
                passkey.credential_id,
                passkey.user_id,
                new_count,
                stored,
            )
            raise PossiblyClonedError(
                "this passkey's signature counter went backwards, so the authenticator may "
                "have been cloned; the sign-in was refused. Use another way to sign in and "
                "remove this passkey from your account"
            )

    def _unsealed(self, state: str | None, binding: str) -> Challenge | None:
        if not state or len(state) > 1024:
            return None
        try:
            record = json.loads(self.sealer.open(_unb64(state), binding.encode()))
            return Challenge(
                value=_unb64(str(record["c"])),
                ceremony=Ceremony(record["k"]),
                user_id=record["u"],
                expires_at=int(record["exp"]),
            )
        except (UnsealError, ValueError, KeyError, TypeError, binascii.Error):
            return None


def check_name(name: str) -> str:
    """A passkey's name as the user gave it: trimmed, 1 to 64 characters, printable."""
    name = " ".join(name.split())
    if not name:
        raise InvalidRequestError("give the passkey a name", redirectable=False)
    if len(name) > MAX_NAME_LENGTH or not name.isprintable():
        raise InvalidRequestError(
            f"a passkey name is at most {MAX_NAME_LENGTH} printable characters",
            redirectable=False,
        )
    return name


def _check_user_handle(credential: dict[str, Any], passkey: Passkey) -> None:
    """§7.2 step 6: a user handle, when given, must be the credential owner's."""
    response = credential.get("response")
    handle = response.get("userHandle") if isinstance(response, dict) else None
    if handle is None:
        return
    try:
        named = _unb64(handle) if isinstance(handle, str) else None
    except (ValueError, binascii.Error):
        named = None
    if named != passkey.user_id.encode():
        raise PasskeyRefusedError("the passkey's user handle names another account")


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    return PublicKeyCredentialDescriptor(
        id=_unb64(passkey.credential_id),
        transports=[AuthenticatorTransport(value) for value in passkey.transports],
    )


def _transports(credential: dict[str, Any]) -> tuple[str, ...]:
    """§5.2.1.1 getTransports(), as the browser reported them: known values only."""
    response = credential.get("response")
    given = response.get("transports") if isinstance(response, dict) else None
    if not isinstance(given, list):
        return ()
    return tuple(
        dict.fromkeys(value for value in given if isinstance(value, str) and value in _TRANSPORTS)
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(value: str) -> bytes:
    if not value.isascii():
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
