"""When a sign-in needs a second factor: the user must use one (their flag), the party
asks for every user (a client's ``require_mfa``), the request asks for the MFA class
(``acr_values``, OIDC Core §3.1.2.1), or the user has enrolled one (then it is always
asked for: a factor the user set up protects their account everywhere)."""

from __future__ import annotations

from collections.abc import Sequence

from idp.authn.methods import ACR_VALUES_SUPPORTED, MFA_ACR


def requested_acr(acr_values: Sequence[str]) -> str | None:
    """The first value we support, in the request's order of preference; others are
    ignored (OIDC Core §3.1.2.1: acr_values is a voluntary claim request)."""
    return next((value for value in acr_values if value in ACR_VALUES_SUPPORTED), None)


def second_factor_required(
    *, user_requires: bool, enrolled: bool, party_requires: bool, acr_values: Sequence[str]
) -> bool:
    return user_requires or enrolled or party_requires or requested_acr(acr_values) == MFA_ACR


def remembered_device_may_skip(
    *, user_requires: bool, party_requires: bool, acr_values: Sequence[str], reauthenticating: bool
) -> bool:
    """Whether a remembered device on a known network (idp.authn.risk) may stand in for
    the second factor: only when the user's own enrolment is the one reason it is
    asked. Never when an operator requires it of the user, the party of every user, the
    request asks for the MFA class, or the request asks the user to authenticate again
    (``prompt=login``, ``max_age``: OIDC Core §3.1.2.1; the account pages' recent
    sign-in)."""
    return not (
        user_requires or party_requires or reauthenticating or requested_acr(acr_values) == MFA_ACR
    )


def satisfies_mfa(acr: str | None) -> bool:
    return acr == MFA_ACR
