"""idp.authz.cache: what users hold is computed once per cache version, dropped when
the version moves, bounded in size, and never served from memory once stale."""

from __future__ import annotations

import time

import pytest

from idp.authz.cache import AccessCache, NotInMemory, TokenClaims
from idp.authz.claims import ClaimMapping, Target, make_rule
from idp.authz.model import Assignments, Model, Role, RoleRef
from idp.scope import Scope

VIEWER = RoleRef("viewer")


class Storage:
    def __init__(self) -> None:
        self.version = 1
        self.model = Model({VIEWER: Role(VIEWER)})
        self.reads = 0

    def load_model(self) -> Model:
        self.reads += 1
        return self.model

    def load_user(self, user_id: str) -> tuple[Assignments, dict[str, object]]:
        self.reads += 1
        return Assignments(roles=frozenset({VIEWER})), {}


def cache(storage: Storage, **options: float) -> AccessCache:
    made = AccessCache(
        storage.load_model,
        storage.load_user,  # type: ignore[arg-type]
        lambda: storage.version,
        options.get("max_staleness", 60),
        int(options.get("max_users", 100)),
    )
    made.refresh()
    return made


def test_a_user_is_computed_once_until_the_version_moves():
    storage = Storage()
    access = cache(storage)
    assert [str(r) for r in access.access("u1").effective.roles] == ["viewer"]
    reads = storage.reads
    access.access("u1")
    access.refresh()
    access.access("u1")
    assert storage.reads == reads  # same version: from memory
    storage.version = 2
    storage.model = Model({})
    access.refresh()
    assert not access.holds("u1")
    assert access.access("u1").effective.roles == ()  # the role is gone from the model


def test_the_cache_is_bounded():
    storage = Storage()
    access = cache(storage, max_users=2)
    for user in ("u1", "u2", "u3"):
        access.access(user)
    assert not access.holds("u1")
    assert access.holds("u3")


def test_a_stale_copy_is_not_served(monkeypatch):
    storage = Storage()
    access = cache(storage, max_staleness=1)
    access.access("u1")
    later = time.monotonic() + 5
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert not access.holds("u1")
    reads = storage.reads
    access.access("u1")
    assert storage.reads > reads


def test_in_memory_paths_never_read_storage():
    storage = Storage()
    claims = TokenClaims(cache(storage))
    mapping = ClaimMapping((make_rule("roles"),))
    with pytest.raises(NotInMemory):
        claims.release(
            "u1", "c", mapping, Scope.parse("roles"), Target.INTROSPECTION, in_memory=True
        )
    assert claims.release("u1", "c", mapping, Scope.parse("roles"), Target.INTROSPECTION) == {
        "roles": ["viewer"]
    }
    reads = storage.reads
    assert claims.release(
        "u1", "c", mapping, Scope.parse("roles"), Target.INTROSPECTION, in_memory=True
    ) == {"roles": ["viewer"]}
    assert storage.reads == reads


def test_nothing_is_read_without_a_mapping_or_its_scope():
    storage = Storage()
    claims = TokenClaims(cache(storage))
    reads = storage.reads
    assert claims.release("u1", "c", None, Scope.parse("roles"), Target.ACCESS_TOKEN) == {}
    mapping = ClaimMapping((make_rule("roles"),))
    assert claims.release("u1", "c", mapping, Scope.parse("openid"), Target.ACCESS_TOKEN) == {}
    assert storage.reads == reads
