"""In-process decision latency of the policy engine (idp.authz) at the scale of issue 11:
1,000 policies, 10,000 roles and groups, 100,000 users.

    .venv/bin/python -m tests.benchmarks.authz_bench [--requests 10000] [--seed 11]

Builds a generated application (25 resource types, 8 actions, 200 (action, resource
type) slices), 1,000 policies over it (role grants, owner and sharing grants, clearance
forbids, step-up forbids, and policies with no action or resource constraint, which go
into every slice), a hierarchy of 4,000 composite roles and 6,000 nested groups in
tiers, and 100,000 users in one to three teams each (some with a role of their own).
The same requests, in the same order, are then decided four ways (the first two
interleaved, request by request, so the machine's load weighs on both alike):

  * sliced: ``Authorizer.decide``: the slice for the request's (action, resource
    type), and only the request's entities (the principal's ancestor closure, the
    resource and its parent);
  * unsliced: ``Authorizer.decide_unsliced``: the same, every policy handed to Cedar;
  * the sliced cedarpy call alone (the request mapped to Cedar's beforehand), which
    shows what the mapping and the reading of Cedar's answer cost;
  * text: the unsliced call with the policy text instead of the parsed handle, which
    cedarpy parses on every call (a few hundred requests only; it is slow).

Each timing is the whole ``decide`` call (entities built, context mapped, Cedar called,
its answer read). Every sliced decision is checked against the unsliced one. The
hierarchy's closures are computed before timing (once per model version, as a server
does when it loads the model), and a warm-up pass runs first. Prints a Markdown table
and the machine's load average before and after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import cedarpy

from idp.authz.cedar_schema import (
    USER,
    ActionDecl,
    Application,
    AttributeDecl,
    AttributeType,
    ResourceTypeDecl,
    generate_schema,
)
from idp.authz.engine import AccessRequest, Authentication, Authorizer
from idp.authz.entities import EntityUid, Hierarchy, Principal, Resource, group, role, user
from idp.authz.policies import PolicySource, compile_policies

POLICIES = 1_000
ROLES = 4_000
GROUPS = 6_000
USERS = 100_000
RESOURCE_TYPES = [f"Type{i}" for i in range(25)]
ACTIONS = ["read", "list", "create", "edit", "delete", "share", "export", "approve"]
MFA = "urn:tessera:acr:mfa"


def application() -> Application:
    resource_attributes = (
        AttributeDecl("owner", AttributeType.ENTITY, entity_type=USER),
        AttributeDecl("shared_with", AttributeType.ENTITY_SET, entity_type=USER),
        AttributeDecl("classification", AttributeType.LONG),
    )
    types = [ResourceTypeDecl("Project", ())] + [
        ResourceTypeDecl(name, resource_attributes, member_of=("Project",))
        for name in RESOURCE_TYPES
    ]
    actions = [ActionDecl(name, tuple(RESOURCE_TYPES)) for name in ACTIONS]
    return Application(tuple(types), tuple(actions))


def generated_policies(rng: random.Random) -> list[PolicySource]:
    texts: list[str] = []
    for _ in range(20):  # no action or resource constraint: in every slice
        texts.append(
            f'forbid(principal in Group::"g{rng.randrange(GROUPS)}", action, resource) '
            f'unless {{ context.acr == "{MFA}" }};'
        )
    while len(texts) < POLICIES:
        kind = rng.random()
        action = rng.choice(ACTIONS)
        resource_type = rng.choice(RESOURCE_TYPES)
        if kind < 0.6:
            texts.append(
                f'permit(principal in Role::"r{rng.randrange(ROLES)}", '
                f'action == Action::"{action}", resource is {resource_type});'
            )
        elif kind < 0.75:
            texts.append(
                f'permit(principal, action == Action::"{action}", resource is {resource_type}) '
                "when { resource.owner == principal };"
            )
        elif kind < 0.85:
            texts.append(
                f'permit(principal, action == Action::"{action}", resource is {resource_type}) '
                "when { principal in resource.shared_with };"
            )
        elif kind < 0.95:
            texts.append(
                f'forbid(principal, action == Action::"{action}", resource is {resource_type}) '
                "unless { principal.clearance >= resource.classification };"
            )
        else:
            texts.append(
                f'forbid(principal, action == Action::"{action}", resource is {resource_type}) '
                f'unless {{ context.acr == "{MFA}" }};'
            )
    return [PolicySource(f"p{index}", text) for index, text in enumerate(texts)]


def generated_hierarchy(rng: random.Random) -> Hierarchy:
    """Roles and groups in tiers, as organisations have them: 3,000 roles, each in at
    most one of 900 broader roles, each in at most one of 100 top roles (composite
    roles); 5,000 teams, each in one of 900 departments, each in one of 100 divisions
    (nested groups); every group holding up to one role of any tier."""
    edges: dict[EntityUid, list[EntityUid]] = {}
    role_tiers = (range(0, 3000), range(3000, 3900), range(3900, ROLES))
    group_tiers = (range(0, 5000), range(5000, 5900), range(5900, GROUPS))
    for lower, upper in zip(role_tiers, (*role_tiers[1:], range(0)), strict=True):
        for index in lower:
            above = [role(f"r{rng.choice(upper)}")] if upper and rng.random() < 0.7 else []
            edges[role(f"r{index}")] = above
    for lower, upper in zip(group_tiers, (*group_tiers[1:], range(0)), strict=True):
        for index in lower:
            parents = [group(f"g{rng.choice(upper)}")] if upper else []
            if rng.random() < 0.5:
                parents.append(role(f"r{rng.randrange(ROLES)}"))
            edges[group(f"g{index}")] = parents
    return Hierarchy(edges)


def generated_users(rng: random.Random) -> list[Principal]:
    return [
        Principal(
            user(f"u{index}"),
            {"clearance": rng.randrange(4)},
            tuple(group(f"g{rng.randrange(5000)}") for _ in range(rng.choice((1, 2, 3))))
            + tuple(role(f"r{rng.randrange(ROLES)}") for _ in range(rng.choice((0, 0, 1)))),
        )
        for index in range(USERS)
    ]


def generated_requests(
    rng: random.Random, users: list[Principal], count: int
) -> list[AccessRequest]:
    now = dt.datetime.now(dt.UTC)
    requests = []
    for _ in range(count):
        principal = rng.choice(users)
        owner = principal.uid if rng.random() < 0.2 else user(f"u{rng.randrange(USERS)}")
        shared = tuple(user(f"u{rng.randrange(USERS)}") for _ in range(rng.randrange(4)))
        if rng.random() < 0.1:
            shared += (principal.uid,)
        resource = Resource(
            EntityUid(rng.choice(RESOURCE_TYPES), f"res{rng.randrange(1_000_000)}"),
            {"owner": owner, "shared_with": shared, "classification": rng.randrange(4)},
            (Resource(EntityUid("Project", f"proj{rng.randrange(100)}")),),
        )
        acr = MFA if rng.random() < 0.5 else "urn:tessera:acr:pwd"
        requests.append(
            AccessRequest(
                principal,
                rng.choice(ACTIONS),
                resource,
                time=now,
                authentication=Authentication(acr=acr, amr=("pwd",)),
            )
        )
    return requests


@dataclass
class Timing:
    """Percentiles of the wall-clock time of a decision and of the CPU time the thread
    spent on it: on a loaded machine the first includes the time the thread waited for
    a core, the second only the work."""

    name: str
    count: int
    wall: tuple[float, float, float]  # p50, p99, mean (ms)
    cpu: tuple[float, float, float]

    @classmethod
    def of(cls, name: str, wall: list[float], cpu: list[float]) -> Timing:
        return cls(name, len(wall), _percentiles(wall), _percentiles(cpu))


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return ordered[len(ordered) // 2], p99, statistics.fmean(ordered)


def timed(
    name: str, requests: list[AccessRequest], decide: Callable[[AccessRequest], object]
) -> Timing:
    wall: list[float] = []
    cpu: list[float] = []
    for request in requests:
        start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
        decide(request)
        cpu.append((time.thread_time_ns() - start_cpu) / 1e6)
        wall.append((time.perf_counter_ns() - start) / 1e6)
    return Timing.of(name, wall, cpu)


def interleaved(requests: list[AccessRequest], engine: Authorizer) -> tuple[Timing, Timing, int]:
    """Sliced and unsliced decisions of each request back to back (the order turned
    every request), so a change of the machine's load weighs on both alike; returns
    both timings and how many answers differ."""
    samples: dict[str, tuple[list[float], list[float]]] = {
        "sliced": ([], []),
        "unsliced": ([], []),
    }
    ways = [("sliced", engine.decide), ("unsliced", engine.decide_unsliced)]
    mismatches = 0
    for index, request in enumerate(requests):
        answers = []
        for name, decide in ways if index % 2 == 0 else reversed(ways):
            start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
            answers.append(decide(request))
            samples[name][1].append((time.thread_time_ns() - start_cpu) / 1e6)
            samples[name][0].append((time.perf_counter_ns() - start) / 1e6)
        mismatches += answers[0] != answers[1]
    return (
        Timing.of("sliced", *samples["sliced"]),
        Timing.of("unsliced (parsed handle)", *samples["unsliced"]),
        mismatches,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--text-requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    arguments = parser.parse_args()
    load_before = os.getloadavg()
    rng = random.Random(arguments.seed)

    started = time.perf_counter()
    schema = generate_schema((AttributeDecl("clearance", AttributeType.LONG),), application())
    sources = generated_policies(rng)
    policy_set = compile_policies(sources, schema, "bench")
    compiled = time.perf_counter() - started
    started = time.perf_counter()
    hierarchy = generated_hierarchy(rng)
    for index in range(GROUPS):
        hierarchy.ancestors(group(f"g{index}"))
    for index in range(ROLES):
        hierarchy.ancestors(role(f"r{index}"))
    users = generated_users(rng)
    modelled = time.perf_counter() - started
    requests = generated_requests(rng, users, arguments.requests)
    engine = Authorizer(policy_set, hierarchy)
    gc.collect()
    gc.freeze()  # the loaded model is long-lived, as in a server after start-up

    sizes = [len(members) for members in policy_set.slice_members.values()]
    closures = [len(hierarchy.closure(u.parents)) for u in users[:5000]]
    timed("warm-up", requests[: min(2000, len(requests))], engine.decide)
    sliced, unsliced, mismatches = interleaved(requests, engine)
    answers = [engine.decide(request) for request in requests]
    allowed = sum(1 for a in answers if a.allowed)
    errors = sum(1 for a in answers if a.errors)

    text = "\n".join(source.text for source in sources)
    sample = requests[: arguments.text_requests]

    def decide_from_text(request: AccessRequest) -> object:
        cedar_request, entities = engine.cedar_call(request)
        return cedarpy.is_authorized(cedar_request, text, entities, schema=schema.handle)

    mapped = {id(request): engine.cedar_call(request) for request in requests}

    def cedar_call_alone(request: AccessRequest) -> object:
        cedar_request, entities = mapped[id(request)]
        return cedarpy.is_authorized(
            cedar_request,
            policy_set.slice_for(request.action, request.resource.uid.type),
            entities,
            schema=schema.handle,
        )

    raw = timed(
        "sliced, the cedarpy call alone (request mapped before)", requests, cedar_call_alone
    )
    from_text = timed("unsliced, policy text parsed each call", sample, decide_from_text)
    load_after = os.getloadavg()

    print(
        f"setup: {len(policy_set.policies)} policies compiled and sliced in {compiled:.1f} s; "
        f"{ROLES + GROUPS} roles and groups, {USERS} users in {modelled:.1f} s"
    )
    print(
        f"slices: {len(sizes)}, policies per slice: median {statistics.median(sizes)}, "
        f"max {max(sizes)}; principal closure: median {statistics.median(closures)}, "
        f"max {max(closures)} groups and roles"
    )
    print(
        f"decisions: {len(requests)}, allowed {allowed}, with errors {errors}, "
        f"sliced != unsliced: {mismatches}"
    )
    print()
    print("| decision | requests | p50 ms | p99 ms | mean ms | CPU p50 ms | CPU p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for timing in (sliced, unsliced, raw, from_text):
        figures = " | ".join(f"{x:.3f}" for x in (*timing.wall, *timing.cpu[:2]))
        print(f"| {timing.name} | {timing.count:,} | {figures} |")
    print()
    print(
        "load average (1, 5, 15 min): before "
        + ", ".join(f"{x:.2f}" for x in load_before)
        + "; after "
        + ", ".join(f"{x:.2f}" for x in load_after)
    )
    if mismatches:
        raise SystemExit(f"{mismatches} sliced decisions differ from the unsliced ones")


if __name__ == "__main__":
    main()
