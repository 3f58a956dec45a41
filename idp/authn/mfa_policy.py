"""When a sign-in needs a second factor: the user must use one (their flag, or a role
or group of theirs requires it), the party asks for every user (a client's
``require_mfa``), the request asks for the MFA class (``acr_values``, OIDC Core
§3.1.2.1), or the user has enrolled one (then it is always asked for: a factor the user
set up protects their account everywhere)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from idp.authn.methods import ACR_VALUES_SUPPORTED, MFA_ACR, PHR_ACR
from idp.authn.users import User


class MfaByAccess(Protocol):
    """Whether what a user holds requires a second factor: one of their effective roles
    or groups (idp.authz.roles.Effective), read from the node's access cache."""

    def requires_mfa(self, user_id: str) -> bool: ...


def user_requires_mfa(user: User, access: MfaByAccess) -> bool:
    """The operator requires a second factor of this user: by their own flag, or by a
    role or group of theirs. Every rule below that takes ``user_requires`` takes this."""
    return user.mfa_required or access.requires_mfa(user.id)


def requested_acr(acr_values: Sequence[str], *, has_passkey: bool = True) -> str | None:
    """The first value we support, in the request's order of preference; others are
    ignored (OIDC Core §3.1.2.1: acr_values is a voluntary claim request). The
    phishing-resistant class is skipped for a user who has no passkey: a later value
    the request also accepts is taken instead (``unmet_acr`` says when none is left)."""
    supported = (value for value in acr_values if value in ACR_VALUES_SUPPORTED)
    return next((value for value in supported if has_passkey or value != PHR_ACR), None)


def unmet_acr(acr_values: Sequence[str], *, has_passkey: bool) -> bool:
    """The request accepts only the phishing-resistant class and the user has no
    passkey: nothing this sign-in can do meets it (OpenID Connect Core Error Code
    unmet_authentication_requirements 1.0 §1)."""
    asked = requested_acr(acr_values)
    return asked is not None and requested_acr(acr_values, has_passkey=has_passkey) is None


def second_factor_required(
    *,
    user_requires: bool,
    enrolled: bool,
    party_requires: bool,
    acr_values: Sequence[str],
    has_passkey: bool = False,
) -> bool:
    wanted = requested_acr(acr_values, has_passkey=has_passkey)
    return user_requires or enrolled or party_requires or wanted in (MFA_ACR, PHR_ACR)


def phishing_resistant_required(acr_values: Sequence[str], *, has_passkey: bool) -> bool:
    return requested_acr(acr_values, has_passkey=has_passkey) == PHR_ACR


# Weakest first, as ACR_VALUES_SUPPORTED: a class satisfies every class before it.
_STRENGTH = {acr: rank for rank, acr in enumerate(ACR_VALUES_SUPPORTED)}


def satisfies(acr: str | None, wanted: str) -> bool:
    return acr is not None and _STRENGTH.get(acr, -1) >= _STRENGTH[wanted]


def remembered_device_may_skip(
    *, user_requires: bool, party_requires: bool, acr_values: Sequence[str], reauthenticating: bool
) -> bool:
    """Whether a remembered device on a known network (idp.authn.risk) may stand in for
    the second factor: only when the user's own enrolment is the one reason it is
    asked. Never when an operator requires it of the user, the party of every user, the
    request asks for the MFA class (or a stronger one), or the request asks the user to
    authenticate again (``prompt=login``, ``max_age``: OIDC Core §3.1.2.1; the account
    pages' recent sign-in)."""
    return not (
        user_requires
        or party_requires
        or reauthenticating
        or requested_acr(acr_values) in (MFA_ACR, PHR_ACR)
    )


def satisfies_mfa(acr: str | None) -> bool:
    """The MFA class or the phishing-resistant one (every passkey sign-in is multi-factor)."""
    return satisfies(acr, MFA_ACR)


def asserted_acr(session_acr: str, acr_values: Sequence[str], *, essential: bool) -> str | None:
    """The ``acr`` the tokens of this request say. For an essential ``acr`` (OIDC Core
    §5.5.1.1) it must be one of the requested values: the session's own if listed, else
    the strongest listed class the session satisfies (a phishing-resistant session
    meets a request for ``urn:tessera:acr:mfa`` and is asserted as that); None when none
    is met. Otherwise the session's, whatever was asked (§3.1.2.1: voluntary)."""
    if not essential or session_acr in acr_values:
        return session_acr
    met = [value for value in acr_values if value in _STRENGTH and satisfies(session_acr, value)]
    return max(met, key=_STRENGTH.__getitem__, default=None)
