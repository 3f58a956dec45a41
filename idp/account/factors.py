"""The user's own second factors, from the account pages: setting up an authenticator
app (TOTP, RFC 6238) and removing it. Each change is a CAEP credential-change event
(OpenID CAEP 1.0 §3.3: ``credential_type`` "app", ``change_type`` "create" or
"delete"), so a Shared Signals receiver hears of it.

Removing the app is allowed even when an operator requires a second factor of the user
or a client of every user: the account is then where it was before enrolment, and the
next sign-in that needs a second factor enrols one again (docs/authentication.md). The
recovery codes and the remembered devices go with the app: they stood in for it."""

from __future__ import annotations

from typing import Protocol

from idp.authn.second_factor import SecondFactors
from idp.authn.storage import RememberedDeviceStore, SecondFactorStore
from idp.revocation.events import SecurityEventType, user_actor
from idp.revocation.storage import SecurityEventLog

APP = "app"  # CAEP 1.0 §3.3 credential_type of an authenticator app (TOTP)
CREATE = "create"  # CAEP 1.0 §3.3 change_type
DELETE = "delete"


class AccountFactorStores(SecondFactorStore, RememberedDeviceStore, Protocol):
    """What changing one's own second factors reads and writes."""


def enrol_app(
    stores: AccountFactorStores,
    factors: SecondFactors,
    user_id: str,
    secret: str,
    code: str,
    now: int,
) -> list[str]:
    """Keep the app once its first code proves it has the secret; the new recovery
    codes (shown once). Raises idp.authn.totp.TotpError with the user's message."""
    codes = factors.enrol(stores, user_id, secret, code, now)
    record_app_change(stores, user_id, CREATE, user_actor(user_id), now)
    return codes


def remove_app(stores: AccountFactorStores, user_id: str, now: int) -> bool:
    """Remove the app, the recovery codes and the remembered devices; False if there
    was no app."""
    if not stores.delete_second_factors(user_id):
        return False
    record_app_change(stores, user_id, DELETE, user_actor(user_id), now)
    return True


def record_app_change(
    stores: SecurityEventLog, user_id: str, change_type: str, actor: str, now: int
) -> None:
    """The CAEP credential-change of an authenticator app added or removed by ``actor``
    (the user, or an operator's reset)."""
    stores.record_security_event(
        SecurityEventType.CREDENTIAL_CHANGE,
        subject=user_id,
        now=now,
        detail={
            "actor": actor,
            "reason": f"authenticator app {'added' if change_type == CREATE else 'removed'}",
            "credential_type": APP,
            "change_type": change_type,
        },
    )
