"""What users hold, in memory, so a token issuance computes it at most once per change
and no request reads the RBAC tables when the copy is current.

Like the client cache (idp.oauth.client_cache): every change to roles, groups,
assignments or attributes bumps the ``authz`` counter in ``cache_versions`` in its own
transaction; the node's refresher reads it every IDP_CACHE_POLL_INTERVAL seconds (and
at once when the event bus says it moved) and drops everything when it moved: the model
(every role and group, one snapshot) and each user's computed access (a bounded LRU). A
copy is trusted only while the counter was read within ``max_staleness`` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from idp.authz.claims import ClaimMapping, Target, UserAccess, release
from idp.authz.model import Assignments, AttributeValue, Model
from idp.authz.roles import effective
from idp.lru import Lru
from idp.scope import Scope

MAX_USERS = 10_000


class NotInMemory(Exception):
    """A path declared in-memory needs a user this node does not hold: ask again with
    storage, off the event loop."""


class AccessCache:
    def __init__(
        self,
        load_model: Callable[[], Model],
        load_user: Callable[[str], tuple[Assignments, Mapping[str, AttributeValue]]],
        load_version: Callable[[], int],
        max_staleness: float,
        max_users: int = MAX_USERS,
    ) -> None:
        self._load_model = load_model
        self._load_user = load_user
        self._load_version = load_version
        self._max_staleness = max_staleness
        self._users: Lru[str, UserAccess] = Lru(max_users)
        self._model: Model | None = None
        self._version: int | None = None
        self._refreshed_at: float | None = None

    def holds(self, user_id: str) -> bool:
        return self._fresh() and user_id in self._users

    def access(self, user_id: str) -> UserAccess:
        """From memory when held; else computed from storage (off the event loop)."""
        if self._fresh():
            held = self._users.get(user_id)
            if held is not None:
                return held
        version = self._version
        model = self._model if self._fresh() and self._model is not None else None
        if model is None:
            model = self._load_model()
        assignments, attributes = self._load_user(user_id)
        computed = UserAccess(effective(model, assignments), dict(attributes))
        if version == self._version:  # else a refresh dropped what these reads may predate
            self._model = model
            self._users.put(user_id, computed)
        return computed

    def requires_mfa(self, user_id: str) -> bool:
        """One of the user's effective roles or groups requires a second factor
        (idp.authn.mfa_policy.MfaByAccess)."""
        return self.access(user_id).effective.mfa_required

    def refresh(self) -> None:
        version = self._load_version()
        if version != self._version:
            # The version first: a read that began before it must not store its copy.
            self._version = version
            self._model = None
            self._users.clear()
        self._refreshed_at = time.monotonic()

    def _fresh(self) -> bool:
        refreshed_at = self._refreshed_at
        return refreshed_at is not None and time.monotonic() - refreshed_at <= self._max_staleness


class TokenClaims:
    """The seam the token issuers call (idp.oauth.token_context.UserClaims): the claims
    a client's mapping releases for a user, from the cache."""

    def __init__(self, cache: AccessCache) -> None:
        self.cache = cache

    def release(
        self,
        subject: str,
        client_id: str,
        mapping: ClaimMapping | None,
        scope: Scope,
        target: Target,
        *,
        in_memory: bool = False,
    ) -> dict[str, Any]:
        if mapping is None or not mapping.wants(target):
            return {}
        granted = frozenset(scope)
        if not any(rule.scope in granted for rule in mapping.rules if target in rule.targets):
            return {}
        if in_memory and not self.cache.holds(subject):
            raise NotInMemory(subject)
        return release(
            self.cache.access(subject),
            mapping,
            client_id=client_id,
            granted=granted,
            target=target,
        )
