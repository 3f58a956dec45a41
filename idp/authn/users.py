"""User accounts and the OpenID Connect standard claims they release (OIDC Core §5.1, §5.4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from idp.scope import SCOPE_CLAIMS, Scope

if TYPE_CHECKING:
    from idp.authn.storage import UserStore


@dataclass(frozen=True)
class User:
    id: str
    username: str
    email: str | None = None
    email_verified: bool = False
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    password_hash: str | None = None
    disabled: bool = False
    mfa_required: bool = False  # a second factor at every sign-in (idp.authn.mfa_policy)

    def claims_for(self, scopes: Scope) -> dict[str, Any]:
        """`sub` plus the claims released by ``scopes``, omitting those with no value."""
        available: dict[str, Any] = {
            "name": self.name,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "preferred_username": self.username,
            "email": self.email,
            "email_verified": self.email_verified if self.email else None,
        }
        claims: dict[str, Any] = {"sub": self.id}
        for scope in scopes:
            for name in SCOPE_CLAIMS.get(scope, ()):
                if available[name] is not None:
                    claims[name] = available[name]
        return claims


def is_active_user(users: UserStore, user_id: str) -> bool:
    user = users.load_user(user_id)
    return user is not None and not user.disabled
