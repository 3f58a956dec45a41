"""The server's policy decision point: the published policies and the RBAC model,
compiled once per version per node, and the principals requests are decided for.

What the AuthZEN API and the admin API call (``provider.decision_point``):

* :meth:`DecisionPoint.authorizer` — an :class:`Authorizer` over the version in force
  (policy_store.py) and the RBAC model as a Cedar :class:`Hierarchy`; with nothing
  published, an empty policy set, so every decision is a deny;
* :meth:`DecisionPoint.user_principal`, :meth:`DecisionPoint.client_principal` — who
  asks, read from storage at each call; a disabled user, and a suspended user or
  client (idp.revocation.suspensions), is no principal, so every decision for it is a
  deny, as none of its tokens is active;
* :meth:`DecisionPoint.current_version` — what is in force.

**Entity ids.** ``User::"<user id>"`` (the user's id, the ``sub`` of its tokens, not
the username); ``Client::"<client_id>"``; ``Group::"<name>"``; a role by its role
reference (idp.authz.model.RoleRef): ``Role::"editor"`` for a realm role,
``Role::"<client_id>/editor"`` for a role of a client (role names hold no ``/``, so the
two never meet). The hierarchy's edges: a group is in its parent group and in each role
it holds; a composite role is in each role it includes. A user is directly in its groups
and in the roles given to it; a client acting for itself is in nothing (Tessera's model
gives clients no roles), so only policies on ``Client`` itself match it.

**User attributes.** A version declares the user attributes its policies read
(declarations.py); a user's stored attributes (idp.authz.model) become those, typed by
idp.authz.user_attributes (which the SDK shares, for the attributes a token carries).

**Caching.** Like the client cache and the access cache (idp.authz.cache): publication
bumps the ``policies`` counter in ``cache_versions``, a change to the model the
``authz`` counter; :meth:`refresh` (the node's refresher, and the event bus) reads both
and drops what moved. A copy is trusted while the counters were read within
``max_staleness`` seconds; past that, the next call reads them first. Compiling and
reading the counters touch storage: call off the event loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from idp.authz.cedar_schema import (
    Application,
    AttributeDecl,
    SchemaDeclarationError,
    generate_schema,
)
from idp.authz.engine import Authorizer
from idp.authz.entities import EntityUid, Hierarchy, Principal, client, group, role, user
from idp.authz.model import Model, RoleRef
from idp.authz.policies import InvalidPolicies, PolicySet, compile_policies
from idp.authz.policy_store import compile_content
from idp.authz.policy_versions import PolicyContent, PolicyVersion, PolicyVersionInfo
from idp.authz.storage import PrincipalStore
from idp.authz.user_attributes import cedar_attributes
from idp.revocation.suspensions import Suspensions

log = logging.getLogger("idp.authz")
NOTHING_PUBLISHED = "0"  # the version name of the empty policy set


class UnknownPrincipal(LookupError):
    """No such user or client, or one that may not act now (``why``: disabled,
    suspended); ``kind`` is ``user`` or ``client``."""

    def __init__(self, kind: str, principal_id: str, why: str | None = None) -> None:
        self.kind = kind
        self.principal_id = principal_id
        self.why = why
        name = principal_id[:80]
        super().__init__(f"{kind} {name!r} is {why}" if why else f"no {kind} {name!r}")


def role_uid(ref: RoleRef) -> EntityUid:
    """``Role::"editor"``, ``Role::"<client_id>/editor"``."""
    return role(str(ref))


def hierarchy_of(model: Model) -> Hierarchy:
    """The model's direct edges: group -> parent group and its roles; composite role ->
    each role it includes."""
    parents: dict[EntityUid, list[EntityUid]] = {}
    for ref, held in model.roles.items():
        parents[role_uid(ref)] = [role_uid(included) for included in sorted(held.composites)]
    for name, declared in model.groups.items():
        above = [group(declared.parent)] if declared.parent is not None else []
        parents[group(name)] = above + [role_uid(ref) for ref in sorted(declared.roles)]
    return Hierarchy(parents)


@dataclass(frozen=True, slots=True)
class _Compiled:
    info: PolicyVersionInfo | None
    policies: PolicySet
    user_attributes: tuple[AttributeDecl, ...]
    content: PolicyContent | None = None


@dataclass(frozen=True, slots=True)
class Published:
    """What is in force, read at once: the version (None before the first
    publication), what it holds, and the authorizer over it and the model's hierarchy
    (the policy bundle the SDK decides with is built from it)."""

    info: PolicyVersionInfo | None
    content: PolicyContent | None
    authorizer: Authorizer


class DecisionPoint:
    def __init__(
        self,
        load_current: Callable[[], PolicyVersion | None],
        load_model: Callable[[], Model],
        load_versions: Callable[[], tuple[int, int]],
        max_staleness: float,
        suspensions: Suspensions,
    ) -> None:
        """``load_versions``: the ``policies`` and ``authz`` cache counters."""
        self._suspensions = suspensions
        self._load_current = load_current
        self._load_model = load_model
        self._load_versions = load_versions
        self._max_staleness = max_staleness
        self._lock = threading.Lock()
        self._counters: tuple[int, int] | None = None
        self._refreshed_at: float | None = None
        self._compiled: _Compiled | None = None
        self._hierarchy: Hierarchy | None = None
        self._authorizer: Authorizer | None = None

    def authorizer(self) -> Authorizer:
        """The version in force over the current model, compiled once per (policy
        version, model version)."""
        return self.published().authorizer

    def published(self) -> Published:
        """The version in force with its authorizer, both read under one lock."""
        self._refresh_if_stale()
        with self._lock:
            compiled = self._compiled_version()
            if self._authorizer is None:
                if self._hierarchy is None:
                    self._hierarchy = hierarchy_of(self._load_model())
                self._authorizer = Authorizer(compiled.policies, self._hierarchy)
            return Published(compiled.info, compiled.content, self._authorizer)

    def current_version(self) -> PolicyVersionInfo | None:
        """The version in force; None before the first publication."""
        self._refresh_if_stale()
        with self._lock:
            return self._compiled_version().info

    def user_principal(self, store: PrincipalStore, user_id: str) -> Principal:
        """The user with its declared attributes, in its groups and its own roles;
        raises :class:`UnknownPrincipal` for an unknown, disabled or suspended user."""
        disabled = store.user_disabled(user_id)
        if disabled is None:
            raise UnknownPrincipal("user", user_id)
        if disabled:
            raise UnknownPrincipal("user", user_id, "disabled")
        if self._suspensions.holds_subject(user_id):
            raise UnknownPrincipal("user", user_id, "suspended")
        self._refresh_if_stale()
        with self._lock:
            declared = self._compiled_version().user_attributes
        assignments = store.load_assignments(user_id)
        parents = (
            *(group(name) for name in sorted(assignments.groups)),
            *(role_uid(ref) for ref in sorted(assignments.roles)),
        )
        attributes = cedar_attributes(declared, store.load_user_attributes(user_id))
        return Principal(user(user_id), attributes, parents)

    def client_principal(self, store: PrincipalStore, client_id: str) -> Principal:
        """A client acting for itself (no roles: the model gives clients none); raises
        :class:`UnknownPrincipal` for an unknown or suspended client."""
        if not store.client_exists(client_id):
            raise UnknownPrincipal("client", client_id)
        if self._suspensions.holds_client(client_id):
            raise UnknownPrincipal("client", client_id, "suspended")
        return Principal(client(client_id))

    def refresh(self) -> None:
        """Read the counters; drop the compiled version, the hierarchy, or both, when
        theirs moved."""
        counters = self._load_versions()
        with self._lock:
            previous = self._counters
            if previous is None or counters[0] != previous[0]:
                self._compiled = None
                self._authorizer = None
            if previous is None or counters[1] != previous[1]:
                self._hierarchy = None
                self._authorizer = None
            self._counters = counters
            self._refreshed_at = time.monotonic()

    def _refresh_if_stale(self) -> None:
        refreshed_at = self._refreshed_at
        if refreshed_at is None or time.monotonic() - refreshed_at > self._max_staleness:
            self.refresh()

    def _compiled_version(self) -> _Compiled:
        """Under the lock: the version in force, compiled (once)."""
        if self._compiled is None:
            self._compiled = self._compile(self._load_current())
        return self._compiled

    @staticmethod
    def _compile(current: PolicyVersion | None) -> _Compiled:
        if current is not None:
            try:
                policies = compile_content(current.content, str(current.info.number))
            except (InvalidPolicies, SchemaDeclarationError) as error:
                # Validated when published; a newer Cedar may disagree. Fail closed.
                log.error("policy version %s no longer compiles: %s", current.info.number, error)
            else:
                declared = current.content.declaration.user_attributes
                return _Compiled(current.info, policies, declared, current.content)
        return _Compiled(None, _nothing_published(), ())


def _nothing_published() -> PolicySet:
    return compile_policies((), generate_schema((), Application()), NOTHING_PUBLISHED)
