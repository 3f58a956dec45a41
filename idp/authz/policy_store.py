"""Publishing the realm's policies: one store, append-only versions, rollback by
republishing.

A publication is compiled first (the declaration into a Cedar schema, cedar_schema.py;
every policy validated against it, policies.py): a bad declaration is refused with a
:class:`SchemaDeclarationError` naming it, bad policies with :class:`InvalidPolicies`
listing every problem, and nothing is stored. A good one is stored as the next version
(the newest is in force), its publication recorded with its actor in the authz audit
trail (``authz_changes``), and the ``policies`` cache version bumped in the same
transaction so every node's decision point (decision_point.py) moves to it.

History is never rewritten: :func:`rollback` to version N publishes a new version with
N's content (``rollback_of`` N), so the trail says who went back, when, and to what.
Shared by the CLI (``idp policies``) and the admin API."""

from __future__ import annotations

from collections.abc import Iterable

from idp.authz.cedar_schema import Application, AttributeDecl, generate_schema
from idp.authz.declarations import Declaration
from idp.authz.model import CONTROL
from idp.authz.policies import PolicySet, PolicySource, compile_policies
from idp.authz.policy_versions import PolicyContent, PolicyDraft, PolicyVersion, PolicyVersionInfo
from idp.authz.storage import PolicyStore

MAX_COMMENT = 255
MAX_ACTOR = 100  # authz_changes.actor
MAX_HISTORY = 1000
PUBLISH = "policies.publish"
ROLLBACK = "policies.rollback"


class PolicyStoreError(ValueError):
    """A publication or a look-up the store refuses; the text names why, in one line."""


class UnknownPolicyVersion(PolicyStoreError):
    def __init__(self, number: int) -> None:
        self.number = number
        super().__init__(f"no policy version {number}")


def compile_content(content: PolicyContent, version: str) -> PolicySet:
    """The content's schema and compiled policies; raises SchemaDeclarationError or
    InvalidPolicies (with every problem)."""
    declaration = content.declaration
    schema = generate_schema(declaration.user_attributes, declaration.application)
    return compile_policies(content.sources, schema, version)


def publish(
    store: PolicyStore,
    application: Application,
    sources: Iterable[PolicySource],
    actor: str,
    comment: str | None,
    now: int,
    *,
    user_attributes: Iterable[AttributeDecl] = (),
) -> PolicyVersionInfo:
    """Compile, then store as the next version and record who published it."""
    content = PolicyContent(Declaration(tuple(user_attributes), application), tuple(sources))
    return _store(store, content, actor, comment, now, rollback_of=None)


def rollback(store: PolicyStore, number: int, actor: str, now: int) -> PolicyVersionInfo:
    """Publish version ``number``'s content again, as a new version."""
    earlier = load_version(store, number)
    comment = f"rollback to version {number}"
    return _store(store, earlier.content, actor, comment, now, rollback_of=number)


def history(store: PolicyStore, limit: int = 100) -> list[PolicyVersionInfo]:
    """The newest ``limit`` versions (at most MAX_HISTORY), newest first."""
    if not 1 <= limit <= MAX_HISTORY:
        raise PolicyStoreError(f"the limit is 1 to {MAX_HISTORY}")
    return store.list_policy_versions(limit)


def load_version(store: PolicyStore, number: int) -> PolicyVersion:
    found = store.load_policy_version(number) if number >= 1 else None
    if found is None:
        raise UnknownPolicyVersion(number)
    return found


def load_current(store: PolicyStore) -> PolicyVersion | None:
    """The version in force (the newest), or None before the first publication."""
    return store.load_policy_version(None)


def _store(
    store: PolicyStore,
    content: PolicyContent,
    actor: str,
    comment: str | None,
    now: int,
    *,
    rollback_of: int | None,
) -> PolicyVersionInfo:
    _check_text("actor", actor, MAX_ACTOR, empty=False)
    if comment is not None:
        _check_text("comment", comment, MAX_COMMENT, empty=True)
    compiled = compile_content(content, "draft")
    info = store.add_policy_version(
        PolicyDraft(content, compiled.digest, actor, comment, rollback_of, now)
    )
    detail = {
        "version": info.number,
        "digest": info.digest,
        "policies": len(content.sources),
        "comment": comment,
    }
    if rollback_of is not None:
        detail["rollback_of"] = rollback_of
    store.record_authz_change(
        actor=actor,
        action=PUBLISH if rollback_of is None else ROLLBACK,
        target=f"policies/{info.number}",
        detail=detail,
        now=now,
    )
    return info


def _check_text(what: str, value: str, limit: int, *, empty: bool) -> None:
    if (not value and not empty) or len(value) > limit or CONTROL.search(value):
        raise PolicyStoreError(f"the {what} is at most {limit} printable characters")
