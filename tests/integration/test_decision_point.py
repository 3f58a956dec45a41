"""The server's decision point (idp.authz.decision_point) decides with the published
policies and the stored RBAC model, on SQLite and PostgreSQL: a user in a group that
holds ``editor`` is ``in Role::"editor"``; a change to the model, a new version or a
rollback changes the decision once the node's cache moved, on another node too."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from idp.authz.cedar_schema import (
    USER,
    ActionDecl,
    Application,
    AttributeDecl,
    AttributeType,
    ResourceTypeDecl,
)
from idp.authz.decision_point import UnknownPrincipal
from idp.authz.engine import AccessRequest
from idp.authz.entities import EntityUid, Principal, Resource
from idp.authz.management import Authz
from idp.authz.policies import InvalidPolicies, PolicySource
from idp.authz.policy_store import history, load_version, publish, rollback
from idp.revocation.events import OPERATOR
from tests.support.cluster import running_cluster
from tests.support.databases import postgres_database
from tests.support.flows import create_user, register
from tests.support.race import all_at_once
from tests.support.redis_server import require_redis
from tests.support.server import RunningIdp, running_idp

DOCS = Application(
    resource_types=(
        ResourceTypeDecl("Document", (AttributeDecl("classification", AttributeType.LONG),)),
    ),
    actions=(
        ActionDecl("read", ("Document",), (USER, "Client")),
        ActionDecl("edit", ("Document",)),
    ),
)
CLEARANCE = (AttributeDecl("clearance", AttributeType.LONG, required=False),)
EDITORS_EDIT = PolicySource(
    "editors-edit", 'permit(principal in Role::"editor", action == Action::"edit", resource);'
)
READERS_READ = PolicySource(
    "readers-read", 'permit(principal in Role::"reader", action == Action::"read", resource);'
)
CLEARED_READ = PolicySource(
    "cleared-read",
    'permit(principal is User, action == Action::"read", resource)'
    " when { principal has clearance && principal.clearance >= resource.classification };",
)
DOCUMENT = Resource(EntityUid("Document", "d1"), {"classification": 2})


def asks(idp: RunningIdp, principal: Principal, action: str) -> bool:
    request = AccessRequest(
        principal, action, DOCUMENT, time=dt.datetime.fromtimestamp(idp.clock.now(), dt.UTC)
    )
    return idp.provider.decision_point.authorizer().decide(request).allowed


def user_principal(idp: RunningIdp, user_id: str) -> Principal:
    with idp.provider.store() as store:
        return idp.provider.decision_point.user_principal(store, user_id)


def publish_now(idp: RunningIdp, *sources: PolicySource, comment: str | None = None):
    with idp.provider.store() as store:
        return publish(
            store, DOCS, sources, "cli:tester", comment, idp.clock.now(), user_attributes=CLEARANCE
        )


@pytest.fixture(scope="module")
def editor(idp_on_each_backend):
    """A user in group `writers`, nested in `staff`, which holds role `editor`."""
    idp = idp_on_each_backend
    user = create_user(idp)
    with idp.provider.store() as store:
        admin = Authz(store, idp.clock.now(), OPERATOR)
        admin.create_role("editor")
        admin.create_group("staff")
        admin.create_group("writers", parent="staff")
        admin.add_group_role("staff", "editor")
        admin.add_member("writers", user.id)
    idp.provider.refresh_caches()
    return user


def test_with_nothing_published_every_decision_is_a_deny(tmp_path):
    with running_idp(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path) as idp:
        user = create_user(idp)
        point = idp.provider.decision_point
        assert point.current_version() is None
        assert len(point.authorizer().policies.policies) == 0
        assert not asks(idp, user_principal(idp, user.id), "edit")


def test_a_member_of_a_group_holding_editor_is_in_role_editor(idp_on_each_backend, editor):
    idp = idp_on_each_backend
    published = publish_now(idp, EDITORS_EDIT, comment="editors may edit")
    idp.provider.refresh_caches()
    current = idp.provider.decision_point.current_version()
    assert current == published
    assert (current.actor, current.comment) == ("cli:tester", "editors may edit")
    principal = user_principal(idp, editor.id)
    assert principal.parents == (EntityUid("Group", "writers"),)
    assert asks(idp, principal, "edit")
    assert not asks(idp, principal, "read")


def test_a_model_change_changes_the_decision_after_the_refresh(idp_on_each_backend, editor):
    idp = idp_on_each_backend
    publish_now(idp, EDITORS_EDIT)
    idp.provider.refresh_caches()
    with idp.provider.store() as store:
        Authz(store, idp.clock.now(), OPERATOR).remove_group_role("staff", "editor")
    idp.provider.refresh_caches()
    try:
        assert not asks(idp, user_principal(idp, editor.id), "edit")
    finally:
        with idp.provider.store() as store:
            Authz(store, idp.clock.now(), OPERATOR).add_group_role("staff", "editor")
        idp.provider.refresh_caches()
    assert asks(idp, user_principal(idp, editor.id), "edit")


def test_client_roles_are_role_entities_named_client_slash_role(idp_on_each_backend):
    idp = idp_on_each_backend
    user = create_user(idp)
    client_id = register(idp)[0].client_id
    with idp.provider.store() as store:
        admin = Authz(store, idp.clock.now(), OPERATOR)
        admin.create_role(f"{client_id}/owner")
        admin.create_role("reader")
        admin.add_composite(f"{client_id}/owner", "reader")
        admin.assign_role(user.id, f"{client_id}/owner")
    owners = PolicySource(
        "owners-edit",
        f'permit(principal in Role::"{client_id}/owner", action == Action::"edit", resource);',
    )
    publish_now(idp, owners, READERS_READ)
    idp.provider.refresh_caches()
    principal = user_principal(idp, user.id)
    assert principal.parents == (EntityUid("Role", f"{client_id}/owner"),)
    assert asks(idp, principal, "edit")
    assert asks(idp, principal, "read")  # through the composite


def test_a_new_version_and_a_rollback_change_the_decision(idp_on_each_backend, editor):
    idp = idp_on_each_backend
    first = publish_now(idp, EDITORS_EDIT)
    second = publish_now(idp, READERS_READ)
    idp.provider.refresh_caches()
    assert not asks(idp, user_principal(idp, editor.id), "edit")
    with idp.provider.store() as store:
        back = rollback(store, first.number, "cli:tester", idp.clock.now())
        listed = history(store, 3)
        restored = load_version(store, back.number)
    assert back.number == second.number + 1
    assert (back.rollback_of, back.digest) == (first.number, first.digest)
    assert [info.number for info in listed] == [back.number, second.number, first.number]
    assert restored.content.sources == (EDITORS_EDIT,)
    idp.provider.refresh_caches()
    assert idp.provider.decision_point.current_version() == back
    assert asks(idp, user_principal(idp, editor.id), "edit")


def test_user_attributes_are_typed_as_the_version_declares(idp_on_each_backend):
    idp = idp_on_each_backend
    cleared, uncleared = create_user(idp), create_user(idp)
    with idp.provider.store() as store:
        admin = Authz(store, idp.clock.now(), OPERATOR)
        admin.set_attribute(cleared.id, "clearance", 3)
        admin.set_attribute(cleared.id, "team", "blue")  # not declared: not handed to Cedar
        admin.set_attribute(uncleared.id, "clearance", "top")  # not a long: left out
    publish_now(idp, CLEARED_READ)
    idp.provider.refresh_caches()
    principal = user_principal(idp, cleared.id)
    assert principal.attributes == {"clearance": 3}
    assert asks(idp, principal, "read")
    assert not asks(idp, user_principal(idp, uncleared.id), "read")


def test_invalid_policies_are_refused_with_every_problem_and_nothing_is_stored(
    idp_on_each_backend,
):
    idp = idp_on_each_backend
    with idp.provider.store() as store:
        before = history(store, 1)
    bad = (
        PolicySource("typo", 'permit(principal in Rol::"editor", action, resource);'),
        PolicySource("unknown-action", 'permit(principal, action == Action::"fly", resource);'),
        EDITORS_EDIT,
    )
    with pytest.raises(InvalidPolicies) as refused:
        publish_now(idp, *bad)
    assert {problem.policy_id for problem in refused.value.problems} == {"typo", "unknown-action"}
    with idp.provider.store() as store:
        assert history(store, 1) == before


def test_unknown_principals_are_refused(idp_on_each_backend):
    idp = idp_on_each_backend
    with idp.provider.store() as store:
        with pytest.raises(UnknownPrincipal, match="no user"):
            idp.provider.decision_point.user_principal(store, "no-such-user")
        with pytest.raises(UnknownPrincipal, match="no client"):
            idp.provider.decision_point.client_principal(store, "no-such-client")


@pytest.mark.postgres
def test_a_publication_on_one_node_reaches_the_other_by_its_poll(tmp_path):
    with postgres_database() as database, running_cluster(database, tmp_path) as (a, b):
        user = create_user(a)
        with a.provider.store() as store:
            admin = Authz(store, a.provider.clock.now(), OPERATOR)
            admin.create_role("editor")
            admin.assign_role(user.id, "editor")
        publish_now(a, READERS_READ)
        b.provider.refresh_caches()
        principal = user_principal(b, user.id)
        assert not asks(b, principal, "edit")
        published = publish_now(a, EDITORS_EDIT)
        deadline = time.monotonic() + 5  # IDP_CACHE_POLL_INTERVAL is 1 s
        while b.provider.decision_point.current_version() != published:
            assert time.monotonic() < deadline, "node b did not see the new version"
            time.sleep(0.05)
        assert asks(b, principal, "edit")


@pytest.mark.postgres
@pytest.mark.parametrize("existing", [0, 1], ids=["first-publications", "later-publications"])
def test_concurrent_publications_each_get_the_next_number(tmp_path, existing):
    """The ``policies`` counter's row lock orders them; the very first ones race to
    create that row, and the loser retries on it (idp.store.policies)."""
    with postgres_database() as database, running_idp(database, tmp_path) as idp:
        for _ in range(existing):
            publish_now(idp, EDITORS_EDIT)
        published = all_at_once([lambda: publish_now(idp, READERS_READ)] * 4)
        with idp.provider.store() as store:
            numbers = [info.number for info in history(store, 10)]
    assert sorted(info.number for info in published) == list(range(existing + 1, existing + 5))
    assert numbers == list(range(existing + 4, 0, -1))


@pytest.mark.postgres
def test_a_publication_reaches_the_other_node_by_the_bus_before_its_poll(tmp_path):
    url = require_redis()
    slow = {"redis_url": url, "cache_poll_interval": 30, "bus_poll_interval": 30}
    with postgres_database() as database, running_cluster(database, tmp_path, **slow) as (a, b):
        deadline = time.monotonic() + 5
        while not (a.provider.bus.healthy and b.provider.bus.healthy):  # both subscribed
            assert time.monotonic() < deadline, "the nodes did not join the bus"
            time.sleep(0.01)
        assert b.provider.decision_point.current_version() is None
        published = publish_now(a, EDITORS_EDIT)
        deadline = time.monotonic() + 2
        while b.provider.decision_point.current_version() != published:
            assert time.monotonic() < deadline, "node b did not hear of the publication in 2 s"
            time.sleep(0.01)
