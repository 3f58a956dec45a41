"""The user's passkeys on their account page (/account/passkeys): listed, added (the
WebAuthn registration ceremony, idp.authn.passkeys), renamed, removed. Adding or
removing one changes how the user signs in, so it needs a recent sign-in (NIST SP
800-63B §4.2.3 reauthentication, idp.account.interaction.RECENT_SIGN_IN); renaming
does not. Each addition and removal is a row of the security log."""

from __future__ import annotations

from idp.account.interaction import signed_in_recently
from idp.authn.passkeys import check_name
from idp.authn.storage import Passkey, PasskeyStore
from idp.errors import AccessDeniedError, InvalidRequestError
from idp.sessions.sso import SsoSession

PASSKEYS_PAGE = "/account/passkeys"
# Not CAEP/RISC types (a CAEP credential-change would make every relying party drop the
# user's tokens), so no Shared Signals stream carries them: rows of the security log.
PASSKEY_ADDED = "urn:tessera:event:passkey-added"
PASSKEY_REMOVED = "urn:tessera:event:passkey-removed"


class RecentSignInRequiredError(AccessDeniedError):
    """The session's sign-in is older than RECENT_SIGN_IN: sign in again first."""

    status_code = 403


def check_recent_sign_in(session: SsoSession, now: int) -> None:
    if not signed_in_recently(session, now):
        raise RecentSignInRequiredError(
            "sign in again to change your passkeys (your last sign-in is not recent)",
            redirectable=False,
        )


def record_added(store: PasskeyStore, passkey: Passkey, now: int) -> None:
    store.record_security_event(
        PASSKEY_ADDED,
        subject=passkey.user_id,
        now=now,
        detail={"credential_id": passkey.credential_id, "name": passkey.name},
    )


def rename_passkey(store: PasskeyStore, user_id: str, credential_id: str, name: str) -> None:
    if not store.rename_passkey(user_id, credential_id, check_name(name)):
        raise InvalidRequestError("no such passkey of yours", redirectable=False)


def remove_passkey(store: PasskeyStore, session: SsoSession, credential_id: str, now: int) -> None:
    check_recent_sign_in(session, now)
    if not store.delete_passkey(session.user_id, credential_id):
        raise InvalidRequestError("no such passkey of yours", redirectable=False)
    store.record_security_event(
        PASSKEY_REMOVED, subject=session.user_id, now=now, detail={"credential_id": credential_id}
    )
