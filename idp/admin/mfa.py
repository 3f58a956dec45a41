"""Second-factor administration for operators (the CLI now, the admin API next): the
per-user MFA requirement and the reset of a user's second factors (a lost phone)."""

from __future__ import annotations

import logging
from typing import Protocol

from idp.account.factors import DELETE, record_app_change
from idp.admin.users import load_user
from idp.authn.storage import SecondFactorStore, UserStore
from idp.revocation.events import OPERATOR

log = logging.getLogger("idp.admin")


class MfaDirectory(UserStore, SecondFactorStore, Protocol):
    """What MFA administration reads and writes."""


def require_mfa(directory: MfaDirectory, username: str, required: bool, now: int) -> bool:
    """Require (or stop requiring) a second factor at the user's sign-ins; without one
    enrolled, the next sign-in enrols it. False if nothing changed."""
    user = load_user(directory, username)
    if user.mfa_required == required:
        return False
    directory.set_mfa_required(user.id, required, now)
    return True


def reset_second_factors(directory: MfaDirectory, username: str, now: int) -> bool:
    """Remove the user's authenticator app and recovery codes: their next sign-in asks
    for a password only, or enrols a new app if MFA is required; relying parties hear
    of it as the user's own removal (a CAEP credential-change, the operator its actor).
    Passkeys stay (they need the device's own unlock; the user removes a lost one on
    the account page). False if there was no app.
    Live sessions are kept; end them with `idp sessions revoke --all` if the phone was
    stolen rather than lost."""
    user = load_user(directory, username)
    if not directory.delete_second_factors(user.id):
        return False
    record_app_change(directory, user.id, DELETE, OPERATOR, now)
    log.info("second factors of user %s reset by an operator", user.id)
    return True
