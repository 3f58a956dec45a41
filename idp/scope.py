"""Scope (RFC 6749 §3.3) and the scope vocabulary Tessera understands (OIDC Core §5.4, §11).

A ``Scope`` is parsed once where it arrives (a request parameter, a stored row) and
printed once where it leaves (a token, a response, a row). In between it is an ordered,
duplicate-free tuple of scope tokens, and one rule narrows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from idp.errors import InvalidScopeError

# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
OPENID = "openid"
OFFLINE_ACCESS = "offline_access"  # OIDC Core §11
# OIDC Core §5.4: which claims each scope value requests.
SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "profile": ("name", "given_name", "family_name", "preferred_username"),
    "email": ("email", "email_verified"),
}
# What a client's claim mapping may release for each (idp.authz.claims): the user's
# roles, groups, permissions and named attributes.
ROLES = "roles"
GROUPS = "groups"
PERMISSIONS = "permissions"
ATTRIBUTES = "attributes"
AUTHZ_SCOPES = (ROLES, GROUPS, PERMISSIONS, ATTRIBUTES)
# Scopes that only mean something when a user is involved; clients may also register
# their own API scopes.
USER_SCOPES = frozenset({OPENID, OFFLINE_ACCESS, *SCOPE_CLAIMS, *AUTHZ_SCOPES})


@dataclass(frozen=True)
class Scope:
    values: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> Scope:
        """RFC 6749 §3.3: space-delimited scope tokens; order kept, repeats dropped."""
        return cls.of((text or "").split(" "))

    @classmethod
    def of(cls, values: Iterable[str]) -> Scope:
        return cls(tuple(dict.fromkeys(value for value in values if value)))

    def __str__(self) -> str:
        return " ".join(self.values)

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __contains__(self, value: object) -> bool:
        return value in self.values

    def __len__(self) -> int:
        return len(self.values)

    def __bool__(self) -> bool:
        return bool(self.values)

    def is_well_formed(self) -> bool:
        return all(SCOPE_TOKEN.fullmatch(value) for value in self.values)

    def without(self, *values: str) -> Scope:
        return Scope(tuple(value for value in self.values if value not in values))

    def only(self, allowed: Iterable[str]) -> Scope:
        kept = frozenset(allowed)
        return Scope(tuple(value for value in self.values if value in kept))

    def sorted(self) -> Scope:
        return Scope(tuple(sorted(self.values)))

    def issubset(self, other: Iterable[str]) -> bool:
        return frozenset(self.values) <= frozenset(other)

    def narrow(self, requested: str | None, *, default: Scope | None = None) -> Scope:
        """The one narrowing rule (RFC 6749 §3.3, §4.4.2, §6; RFC 8693 §2.1): the
        requested scope must lie within this one; when none is requested, ``default``
        (this whole scope unless another default is given)."""
        if requested is None:
            return self if default is None else default
        chosen = Scope.parse(requested)
        if not chosen:
            raise InvalidScopeError("scope must name at least one scope token")
        outside = [value for value in chosen if value not in self]
        if outside:
            raise InvalidScopeError(f"scope not allowed here: {' '.join(sorted(outside))}")
        return chosen
