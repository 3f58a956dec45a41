"""Slicing the policy set by (action, resource type) gives exactly the unsliced answer
(idp.authz.policies, idp.authz.engine): the same allow or deny, the same determining
policies, the same errors, over a generated table of policies and requests that holds
forbids over permits, policies with no action or no resource constraint, action groups,
`resource in` a folder, erroring policies and requests the schema refuses."""

from __future__ import annotations

import random

import pytest

from idp.authz.engine import Authorizer
from idp.authz.entities import EntityUid, Hierarchy, Principal, Resource, client, group, role, user
from idp.authz.policies import PolicySource, compile_policies
from tests.support.cedar_apps import MFA, asking, documents_schema

SCHEMA = documents_schema()
ROLES = [f"r{i}" for i in range(6)]
GROUPS = [f"g{i}" for i in range(6)]
FOLDERS = ["f0", "f1", "f2"]
ACTION_SCOPES = [
    "action",
    'action == Action::"read"',
    'action == Action::"edit"',
    'action == Action::"delete"',
    'action == Action::"share"',
    'action in Action::"write"',
    'action in [Action::"read", Action::"share"]',
]
RESOURCE_SCOPES = [
    "resource",
    "resource is Document",
    "resource is Folder",
    'resource == Document::"d1"',
    'resource == Folder::"f0"',
    'resource in Folder::"f1"',
    'resource is Document in Folder::"f2"',
]
CONDITIONS = [
    "",
    " when { resource is Document && resource.owner == principal }",
    " when { resource is Document && principal in resource.shared_with }",
    " when { principal is User && resource is Document "
    "&& principal.clearance >= resource.classification }",
    ' unless { context.acr == "urn:tessera:acr:mfa" }',
    " when { context has ip && context.ip.isLoopback() }",
    # errors for clearance >= 3: an overflow
    " when { principal is User && principal.clearance * 4611686018427387904 > 0 }",
]


def principal_scope(rng: random.Random) -> str:
    return rng.choice(
        [
            "principal",
            f'principal in Role::"{rng.choice(ROLES)}"',
            f'principal in Group::"{rng.choice(GROUPS)}"',
            f'principal == User::"u{rng.randrange(4)}"',
            "principal is Client",
        ]
    )


def generated_policies(rng: random.Random, count: int) -> list[PolicySource]:
    sources: list[PolicySource] = []
    while len(sources) < count:
        effect = "forbid" if rng.random() < 0.3 else "permit"
        text = (
            f"{effect}({principal_scope(rng)}, {rng.choice(ACTION_SCOPES)}, "
            f"{rng.choice(RESOURCE_SCOPES)}){rng.choice(CONDITIONS)};"
        )
        source = PolicySource(f"p{len(sources)}", text)
        try:  # keep what validates (e.g. `principal is Client` with clearance does not)
            compile_policies([source], SCHEMA, "probe")
        except ValueError:
            continue
        sources.append(source)
    return sources


def generated_hierarchy(rng: random.Random) -> Hierarchy:
    edges: dict[EntityUid, list[EntityUid]] = {}
    for index, name in enumerate(GROUPS):
        parents = [group(g) for g in GROUPS[index + 1 :] if rng.random() < 0.3]
        parents += [role(r) for r in ROLES if rng.random() < 0.3]
        edges[group(name)] = parents
    for index, name in enumerate(ROLES):
        edges[role(name)] = [role(r) for r in ROLES[index + 1 :] if rng.random() < 0.3]
    return Hierarchy(edges)


def generated_request(rng: random.Random):
    parents = tuple(
        rng.sample([group(g) for g in GROUPS] + [role(r) for r in ROLES], rng.randrange(3))
    )
    if rng.random() < 0.1:
        principal = Principal(client("c0"), {}, tuple(p for p in parents if p.type == "Role"))
    else:
        principal = Principal(
            user(f"u{rng.randrange(4)}"), {"clearance": rng.randrange(4)}, parents
        )
    parent = Resource(EntityUid("Folder", rng.choice(FOLDERS)), {"owner": user("u0")})
    if rng.random() < 0.6:
        resource = Resource(
            EntityUid("Document", f"d{rng.randrange(3)}"),
            {
                "owner": user(f"u{rng.randrange(4)}"),
                "shared_with": tuple(user(f"u{i}") for i in range(4) if rng.random() < 0.3),
                "classification": rng.randrange(4),
            },
            (parent,) if rng.random() < 0.7 else (),
        )
    else:
        resource = parent
    # every declared action and some the schema does not declare for this type, or at all
    action = rng.choice(["read", "edit", "delete", "share", "write", "publish"])
    context = {"recipients": rng.randrange(5)} if action == "share" else {}
    return asking(
        principal,
        action,
        resource,
        acr=MFA if rng.random() < 0.5 else "",
        context=context,
    )


@pytest.mark.parametrize("seed", range(6))
def test_sliced_decisions_are_the_unsliced_decisions(seed):
    rng = random.Random(seed)
    policy_set = compile_policies(generated_policies(rng, 60), SCHEMA, str(seed))
    engine = Authorizer(policy_set, generated_hierarchy(rng))
    outcomes = {"allow": 0, "forbid": 0, "error": 0, "none": 0}
    for _ in range(400):
        request = generated_request(rng)
        sliced = engine.decide(request)
        unsliced = engine.decide_unsliced(request)
        assert sliced == unsliced, (request, sliced, unsliced)
        if sliced.allowed:
            outcomes["allow"] += 1
        elif sliced.errors:
            outcomes["error"] += 1
        elif sliced.policy_ids:
            outcomes["forbid"] += 1
        else:
            outcomes["none"] += 1
    # the table is only a comparison if it holds every kind of answer
    assert all(outcomes.values()), outcomes


def test_slices_hold_fewer_policies_than_the_whole_set():
    policy_set = compile_policies(generated_policies(random.Random(9), 60), SCHEMA, "9")
    sizes = {pair: len(members) for pair, members in policy_set.slice_members.items()}
    assert set(sizes) == {
        ("read", "Document"),
        ("read", "Folder"),
        ("edit", "Document"),
        ("delete", "Document"),
        ("delete", "Folder"),
        ("share", "Document"),
    }
    assert max(sizes.values()) < len(policy_set.policies)


def test_policies_without_an_action_or_resource_constraint_are_in_every_slice():
    policy_set = compile_policies(
        [
            PolicySource("any", 'forbid(principal, action, resource) when { context.acr == "x" };'),
            PolicySource("docs", "permit(principal, action, resource is Document);"),
            PolicySource("write", 'permit(principal, action in Action::"write", resource);'),
            PolicySource(
                "in-folder", 'permit(principal, action == Action::"read", resource in Folder::"f");'
            ),
        ],
        SCHEMA,
        "1",
    )
    assert policy_set.slice_members == {
        # a Document can be in a Folder
        ("read", "Document"): ("any", "docs", "in-folder"),
        ("read", "Folder"): ("any", "in-folder"),  # the folder itself
        ("edit", "Document"): ("any", "docs", "write"),  # edit is in the write group
        ("delete", "Document"): ("any", "docs", "write"),
        ("delete", "Folder"): ("any", "write"),
        ("share", "Document"): ("any", "docs"),
    }
    assert all(
        len(policy_set.slices[pair]) == len(members)
        for pair, members in policy_set.slice_members.items()
    )
