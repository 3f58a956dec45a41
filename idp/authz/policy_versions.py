"""A published version of the realm's policies: what it holds, and who published it.

Versions are numbered 1, 2, 3, ... and never change once stored; the newest is the one
in force (idp.authz.policy_store publishes, idp.authz.decision_point decides with it)."""

from __future__ import annotations

from dataclasses import dataclass

from idp.authz.declarations import Declaration
from idp.authz.policies import PolicySource


@dataclass(frozen=True, slots=True)
class PolicyVersionInfo:
    number: int
    digest: str  # PolicySet.digest: SHA-256 of the generated schema and the policies
    created_at: int
    actor: str  # "cli:<os user>", or the client id of an admin API caller
    comment: str | None = None
    rollback_of: int | None = None  # the version whose content this one republished


@dataclass(frozen=True, slots=True)
class PolicyContent:
    """What a version holds: the declaration its policies are validated against, and
    the policies, in the order their author gave them."""

    declaration: Declaration
    sources: tuple[PolicySource, ...]


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    info: PolicyVersionInfo
    content: PolicyContent


@dataclass(frozen=True, slots=True)
class PolicyDraft:
    """A version about to be stored: compiled already; the store gives it its number."""

    content: PolicyContent
    digest: str
    actor: str
    comment: str | None
    rollback_of: int | None
    created_at: int
