"""A versioned set of Cedar policies: checked, validated against the schema, sliced.

Policy syntax: https://docs.cedarpolicy.com/policies/syntax-policy.html; validation:
https://docs.cedarpolicy.com/policies/validation.html. Each policy is its own text under
an id of the author's choosing; :func:`compile_policies` checks every one and returns
all the problems at once (:class:`PolicyProblem`: the policy id, the message, and the
line and column where one is known), or a :class:`PolicySet`.

What is checked, in this order, so that Cedar only ever parses bounded text:
  1. the id, the size of the text, no control characters;
  2. the nesting of brackets, before Cedar parses anything: Cedar's parser recurses on
     nesting, and (cedarpy 4.12) about a thousand nested brackets overflow its stack and
     kill the process, so the limit here is far below that. Long chains without
     brackets (`context.a.a.a...`, `1 + 1 + ...`) recurse too: within the size limit
     they parse on an 8 MiB stack but not on 2 MiB, so Cedar parses and validates in a
     thread of its own with a 64 MiB stack, whatever thread compiles;
  3. Cedar's parse (exactly one static policy; templates are refused);
  4. the depth of the parsed condition (Cedar's JSON form, the EST);
  5. Cedar's validation against the generated schema (unknown entity types, actions or
     attributes, type mismatches, an optional attribute used without `has`).

cedarpy renders Cedar's parse and validation errors as text without their source spans,
so a Cedar error names the policy but no line; the checks of steps 1 and 2 give both.

**Slicing.** Cedar evaluates every policy of the set it is handed. A policy set is cut,
once per version, into one Cedar set per (action, resource type): a policy goes into
every slice its scope can match (no action constraint: every action; `action in` a
group: every action in the group; `resource in` an entity: every type that can be in
that entity's type; no resource constraint: every resource type). A policy left out of
a slice cannot match its requests, and Cedar checks a policy's scope before its
conditions, so a left-out policy could neither decide nor error there: the sliced answer
is the unsliced one (tests/unit/authz/test_slicing.py compares them).

Pure: imports only the standard library and ``cedarpy`` (the SDK shares it).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import cedarpy

from idp.authz.cedar_schema import ACTION, CedarSchema

MAX_POLICIES = 10_000
MAX_POLICY_CHARS = 16_384
MAX_BRACKET_DEPTH = 32
MAX_EST_DEPTH = 200  # JSON levels of the parsed policy; about two per nested expression
POLICY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_POSITIONAL = re.compile(r"`policy0`")
PARSER_STACK = 64 * 1024 * 1024
_STACK_SIZE_LOCK = threading.Lock()
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class PolicySource:
    """A policy as its author wrote it."""

    id: str
    text: str


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    policy_id: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = f" (line {self.line}, column {self.column})" if self.line is not None else ""
        return f"policy {self.policy_id}{where}: {self.message}"


class InvalidPolicies(ValueError):
    """The policies did not compile; `problems` lists every one."""

    def __init__(self, problems: Iterable[PolicyProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    id: str
    text: str
    effect: str  # "permit" or "forbid"
    est: Mapping[str, Any] = field(repr=False)
    # the actions and resource types its scope can match; None: all of them
    actions: frozenset[str] | None = None
    resource_types: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class PolicySet:
    """One version of an application's policies, parsed once and sliced once."""

    version: str
    schema: CedarSchema
    policies: Mapping[str, CompiledPolicy]
    whole: cedarpy.PolicySet = field(repr=False)
    slices: Mapping[tuple[str, str], cedarpy.PolicySet] = field(repr=False)
    # the ids of the policies in each slice
    slice_members: Mapping[tuple[str, str], tuple[str, ...]] = field(repr=False)
    empty: cedarpy.PolicySet = field(repr=False)
    digest: str = ""

    def slice_for(self, action: str, resource_type: str) -> cedarpy.PolicySet:
        """The Cedar set that can decide `action` on `resource_type` (an empty set for a
        pair the schema does not declare: Cedar then says why it refuses the request)."""
        return self.slices.get((action, resource_type), self.empty)


def compile_policies(
    sources: Iterable[PolicySource], schema: CedarSchema, version: str
) -> PolicySet:
    """Check, parse, validate and slice; raises :class:`InvalidPolicies` with every
    problem found."""
    sources = tuple(sources)
    problems: list[PolicyProblem] = []
    if len(sources) > MAX_POLICIES:
        raise InvalidPolicies([PolicyProblem("*", f"more than {MAX_POLICIES} policies")])
    compiled: dict[str, CompiledPolicy] = {}
    seen: set[str] = set()
    unique: list[PolicySource] = []
    for source in sources:
        if source.id in seen:
            problems.append(PolicyProblem(source.id, "the id is used by another policy"))
            continue
        seen.add(source.id)
        unique.append(source)
    for found in _on_a_deep_stack(lambda: [_compile_one(source, schema) for source in unique]):
        if isinstance(found, CompiledPolicy):
            compiled[found.id] = found
        else:
            problems.extend(found)
    if problems:
        raise InvalidPolicies(problems)
    return _assemble(compiled, schema, version)


def check_policy(source: PolicySource, schema: CedarSchema) -> CompiledPolicy | list[PolicyProblem]:
    """One policy through steps 1 to 5: the compiled policy, or its problems."""
    return _on_a_deep_stack(lambda: _compile_one(source, schema))


def _compile_one(source: PolicySource, schema: CedarSchema) -> CompiledPolicy | list[PolicyProblem]:
    problems = check_text(source)
    if problems:
        return problems
    try:
        parsed = json.loads(cedarpy.policies_to_json_str(source.text))
    except ValueError as error:
        return [PolicyProblem(source.id, f"syntax error: {_one_line(error)}")]
    except RecursionError:
        return [PolicyProblem(source.id, "the condition is nested too deeply")]
    if parsed.get("templates"):
        return [
            PolicyProblem(
                source.id, "templates (?principal, ?resource) are not supported: write a policy"
            )
        ]
    statics = parsed.get("staticPolicies", {})
    if len(statics) != 1:
        return [
            PolicyProblem(source.id, f"a policy text holds exactly one policy, not {len(statics)}")
        ]
    (est,) = statics.values()
    if _depth(est) > MAX_EST_DEPTH:
        return [PolicyProblem(source.id, "the condition is nested too deeply")]
    result = cedarpy.validate_policies(source.text, schema.handle)
    if not result.validation_passed:
        return [
            PolicyProblem(source.id, _POSITIONAL.sub(f"`{source.id}`", _one_line(error.error)))
            for error in result.errors
        ]
    actions, resource_types = scope_of(est, schema)
    return CompiledPolicy(
        id=source.id,
        text=source.text,
        effect=est["effect"],
        est=est,
        actions=actions,
        resource_types=resource_types,
    )


def format_policy(source: PolicySource, line_width: int = 80) -> str:
    """The policy in Cedar's own layout (cedarpy.format_policies), for an author to
    read back; the text is checked first (steps 1 and 2) like any other."""
    problems = check_text(source)
    if problems:
        raise InvalidPolicies(problems)
    try:
        return _on_a_deep_stack(lambda: cedarpy.format_policies(source.text, line_width, 2))
    except ValueError as error:
        raise InvalidPolicies(
            [PolicyProblem(source.id, f"syntax error: {_one_line(error)}")]
        ) from None


def check_text(source: PolicySource) -> list[PolicyProblem]:
    """Steps 1 and 2: what can be said of the text before Cedar reads it."""
    if not isinstance(source.id, str) or not POLICY_ID.match(source.id):
        shown = source.id if isinstance(source.id, str) else type(source.id).__name__
        return [
            PolicyProblem(
                str(shown)[:40] or "(empty)",
                "a policy id is 1 to 128 letters, digits and . _ : / - (starting with a "
                "letter or digit)",
            )
        ]
    if not isinstance(source.text, str) or not source.text.strip():
        return [PolicyProblem(source.id, "the policy text is empty")]
    if len(source.text) > MAX_POLICY_CHARS:
        return [PolicyProblem(source.id, f"the policy text is over {MAX_POLICY_CHARS} characters")]
    control = _CONTROL.search(source.text)
    if control:
        line, column = _position(source.text, control.start())
        return [PolicyProblem(source.id, "a control character in the text", line, column)]
    too_deep = _bracket_overflow(source.text)
    if too_deep is not None:
        line, column = _position(source.text, too_deep)
        return [
            PolicyProblem(
                source.id, f"brackets nest deeper than {MAX_BRACKET_DEPTH} levels", line, column
            )
        ]
    return []


def scope_of(
    est: Mapping[str, Any], schema: CedarSchema
) -> tuple[frozenset[str] | None, frozenset[str] | None]:
    """The actions and resource types a policy's scope can match (None: any), read from
    Cedar's own JSON form of the policy, over-approximated where in doubt (a policy
    placed in one slice too many changes nothing; one left out of a slice would)."""
    action = est["action"]
    actions: frozenset[str] | None
    if action["op"] == "==":
        actions = frozenset({action["entity"]["id"]})
    elif action["op"] == "in":
        named = {e["id"] for e in action.get("entities", [action.get("entity")]) if e}
        actions = frozenset(
            name for name, above in schema.action_ancestors.items() if above & named
        )
    else:  # "All", or an operator newer than this code: no constraint
        actions = None
    if actions is not None and any(
        e.get("type") != ACTION for e in _action_entities(action)
    ):  # validation refuses these; be safe rather than sorry
        actions = None
    resource = est["resource"]
    resource_types: frozenset[str] | None
    op = resource["op"]
    if op == "==":
        resource_types = frozenset({resource["entity"]["type"]})
    elif op == "is":  # `is T` and `is T in E`
        resource_types = frozenset({resource["entity_type"]})
    elif op == "in" and "entity" in resource:
        container = resource["entity"]["type"]
        resource_types = frozenset(
            name for name, above in schema.type_ancestors.items() if container in above
        )
    else:
        resource_types = None
    return actions, resource_types


def _action_entities(action: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if "entity" in action:
        return [action["entity"]]
    return list(action.get("entities", []))


def _assemble(
    compiled: Mapping[str, CompiledPolicy], schema: CedarSchema, version: str
) -> PolicySet:
    pairs = [
        (action, resource_type)
        for action, resource_types in schema.action_resources.items()
        for resource_type in resource_types
    ]
    members: dict[tuple[str, str], dict[str, Any]] = {pair: {} for pair in pairs}
    for policy in compiled.values():  # each policy into the slices its scope can match
        actions = schema.action_resources if policy.actions is None else policy.actions
        for action in actions:
            for resource_type in schema.action_resources.get(action, ()):
                if policy.resource_types is None or resource_type in policy.resource_types:
                    members[(action, resource_type)][policy.id] = policy.est
    slices = {pair: _cedar_set(estimates) for pair, estimates in members.items()}
    digest = hashlib.sha256(
        json.dumps(
            [schema.json_text, sorted((p.id, p.text) for p in compiled.values())],
            separators=(",", ":"),
        ).encode()
    ).hexdigest()
    return PolicySet(
        version=version,
        schema=schema,
        policies=dict(compiled),
        whole=_cedar_set({policy.id: policy.est for policy in compiled.values()}),
        slices=slices,
        slice_members={pair: tuple(sorted(policies)) for pair, policies in members.items()},
        empty=_cedar_set({}),
        digest=digest,
    )


def _cedar_set(policies: Mapping[str, Any]) -> cedarpy.PolicySet:
    # Cedar's JSON policy-set form carries the policy ids, so Cedar's diagnostics name
    # the author's ids (the text form would number them policy0, policy1, ...).
    document = {"staticPolicies": dict(policies), "templates": {}, "templateLinks": []}
    return cedarpy.PolicySet.from_json_str(json.dumps(document))


def _on_a_deep_stack(work: Callable[[], _T]) -> _T:
    """`work()` run in a thread with a stack of PARSER_STACK bytes (see step 2)."""
    outcome: list[_T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # handed back to the caller's thread
            failure.append(error)

    with _STACK_SIZE_LOCK:
        previous = threading.stack_size(PARSER_STACK)
        try:
            worker = threading.Thread(target=run, name="cedar-parse", daemon=True)
            worker.start()
        finally:
            threading.stack_size(previous)
    worker.join()
    if failure:
        raise failure[0]
    return outcome[0]


def _bracket_overflow(text: str) -> int | None:
    """The offset where brackets first nest deeper than the limit, outside string
    literals and `//` comments; None when they never do."""
    depth = 0
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == '"':
            index += 1
            while index < length and text[index] != '"':
                index += 2 if text[index] == "\\" else 1
        elif char == "/" and text.startswith("//", index):
            newline = text.find("\n", index)
            index = length if newline < 0 else newline
        elif char in "([{":
            depth += 1
            if depth > MAX_BRACKET_DEPTH:
                return index
        elif char in ")]}":
            depth = max(depth - 1, 0)
        index += 1
    return None


def _depth(value: Any) -> int:
    """Nesting depth of a JSON value, without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, level = stack.pop()
        if isinstance(current, dict):
            children: Iterable[Any] = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _one_line(error: object) -> str:
    return " ".join(str(error).split())[:500]
