"""OpenID AuthZEN Authorization API 1.0 (https://openid.net/specs/authorization-api-1_0.html)
mapped onto the Cedar engine: a parsed and bounded request, a decision, the response.

The mapping is one to one (§5): the subject is the Cedar principal, the action the
Cedar action, the resource the Cedar resource, the context the application's context
attributes. Tessera's profile of it:

* ``subject.type`` is ``user`` or ``client`` (Cedar's ``User`` and ``Client`` are
  accepted too); ``subject.id`` is the user's or client's id. The principal's groups,
  roles and attributes come from Tessera's directory, not from the caller, so the only
  ``subject.properties`` read are how that user signed in — ``acr`` (a string), ``amr``
  (an array of strings) — and ``ip_address``, the end user's address: they fill the
  standard context attributes ``context.acr``, ``context.amr`` and ``context.ip``.
  Any other subject property is refused (a silently ignored attribute would mislead).
* ``resource.type`` is one of the application's Cedar resource types, ``resource.id``
  its id, ``resource.properties`` its attributes; ``resource.properties.__parents``, an
  array of resources, are the entities it is in (Cedar's parents: a document in a
  folder), each with its own type, id, properties and parents.
* ``action.name`` is the Cedar action; Cedar actions carry no request attributes, so
  ``action.properties`` must be empty (the action's parameters go into ``context``).
* ``context`` is the application's context attributes, as the action declares them;
  ``acr``, ``amr``, ``time`` and ``ip`` are Tessera's own (the time is Tessera's clock)
  and refused there.

JSON values become Cedar's: strings, integers (64 bits), booleans, arrays (sets),
objects (records), ``{"__entity": {"type": ..., "id": ...}}`` an entity reference and
``{"__extn": {"fn": "decimal"|"ip"|"datetime"|"duration", "arg": ...}}`` an extension
value — Cedar's own JSON escapes. Cedar has no floats and no null.

Every problem of shape — a member missing, of the wrong JSON type, too long, too many —
is an :class:`AuthZenRequestError` naming the member (§12.1.2: a Bad Request). What is
well formed but cannot be decided (an unknown user, action or resource type, a context
the action does not declare) is a deny saying why, never an error (§7.2, "decisions
default to closed").

Pure: imports only the standard library and the other pure policy-engine modules, so
the SDK decides locally through this same mapping.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from idp.authz.cedar_schema import CLIENT, USER, CedarSchema
from idp.authz.decisions import Decision, deny
from idp.authz.engine import AccessRequest, Authentication, Authorizer
from idp.authz.entities import (
    LONG_MAX,
    LONG_MIN,
    MAX_RECORD_SIZE,
    MAX_RESOURCE_PARENT_DEPTH,
    MAX_SET_SIZE,
    MAX_STRING,
    MAX_VALUE_DEPTH,
    EntityUid,
    Principal,
    Resource,
)

ACCESS_EVALUATE = "access.evaluate"  # the scope a PEP's client-credentials token carries
MAX_EVALUATIONS = 100  # per Access Evaluations request
MAX_NAME = 256  # a type, an id, an action name
MAX_AMR = 16
MAX_PARENTS = 64  # parents of one request's resource, all levels together
PARENTS = "__parents"
# Cedar's extension functions a value may name (https://docs.cedarpolicy.com/policies/syntax-datatypes.html)
EXTENSIONS = frozenset({"decimal", "ip", "datetime", "duration"})
SUBJECT_TYPES = {"user": USER, "User": USER, "client": CLIENT, "Client": CLIENT}
SUBJECT_PROPERTIES = ("acr", "amr", "ip_address")
TESSERA_CONTEXT = ("acr", "amr", "time", "ip")
_PAGE_TOKEN = re.compile(r"[0-9]{0,6}")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AuthZenRequestError(ValueError):
    """A request that is not well formed; the message names the member (a 400)."""


class EvaluationsSemantic(StrEnum):
    """AuthZEN 1.0 §7.1.2.1: how the evaluations of one request are run."""

    EXECUTE_ALL = "execute_all"
    DENY_ON_FIRST_DENY = "deny_on_first_deny"
    PERMIT_ON_FIRST_PERMIT = "permit_on_first_permit"


@dataclass(frozen=True, slots=True)
class Subject:
    """Who is asked about: a user or a client, and how the user signed in."""

    uid: EntityUid
    authentication: Authentication
    ip: IPAddress | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One access evaluation (§6.1), in the engine's terms but for the principal, which
    the caller looks up from ``subject`` (Tessera's directory, or the SDK's token)."""

    subject: Subject
    action: str
    resource: Resource
    context: Mapping[str, Any] = field(default_factory=dict)

    def access_request(self, principal: Principal, now: dt.datetime) -> AccessRequest:
        return AccessRequest(
            principal=principal,
            action=self.action,
            resource=self.resource,
            time=now,
            authentication=self.subject.authentication,
            ip=self.subject.ip,
            context=self.context,
        )


@dataclass(frozen=True, slots=True)
class Evaluations:
    """An Access Evaluations request (§7.1), its defaults applied to every item;
    ``batch`` is False when it had no ``evaluations`` array (then it is one evaluation,
    answered as one decision)."""

    items: tuple[Evaluation, ...]
    semantic: EvaluationsSemantic = EvaluationsSemantic.EXECUTE_ALL
    batch: bool = True


@dataclass(frozen=True, slots=True)
class ActionSearch:
    """An Action Search request (§8.6.1): the actions ``subject`` may do to ``resource``."""

    subject: Subject
    resource: Resource
    context: Mapping[str, Any]
    offset: int = 0
    limit: int | None = None


def pdp_metadata(issuer: str) -> dict[str, str]:
    """§9.1: the endpoints Tessera serves (no subject or resource search: see
    docs/authorization.md); the PDP's identifier is the issuer."""
    return {
        "policy_decision_point": issuer,
        "access_evaluation_endpoint": f"{issuer}/access/v1/evaluation",
        "access_evaluations_endpoint": f"{issuer}/access/v1/evaluations",
        "search_action_endpoint": f"{issuer}/access/v1/search/action",
    }


# -- parsing ---------------------------------------------------------------------------


def parse_evaluation(body: Mapping[str, Any]) -> Evaluation:
    """An Access Evaluation request (§6.1): subject, action and resource required."""
    return _evaluation(body, {}, "")


def parse_evaluations(body: Mapping[str, Any]) -> Evaluations:
    """An Access Evaluations request (§7.1): the top-level subject, action, resource and
    context are defaults for each item, which overrides any of them (§7.1.1)."""
    semantic = _semantic(body["options"]) if "options" in body else EvaluationsSemantic.EXECUTE_ALL
    raw = body.get("evaluations", [])
    if raw == []:  # §7.1: absent or empty, it is one evaluation
        return Evaluations((parse_evaluation(body),), semantic, batch=False)
    if not isinstance(raw, list):
        raise AuthZenRequestError("evaluations must be an array")
    if len(raw) > MAX_EVALUATIONS:
        raise AuthZenRequestError(f"evaluations holds more than {MAX_EVALUATIONS} items")
    defaults = _defaults(body)
    items = []
    for index, item in enumerate(raw):
        where = f"evaluations[{index}]"
        if not isinstance(item, dict):
            raise AuthZenRequestError(f"{where} must be an object")
        items.append(_evaluation(item, defaults, f"{where}."))
    return Evaluations(tuple(items), semantic)


def parse_action_search(body: Mapping[str, Any]) -> ActionSearch:
    """An Action Search request (§8.6.1): subject and resource required, no action."""
    subject = _subject(_required(body, "subject", ""), "subject")
    resource = _resource(_required(body, "resource", ""), "resource")
    context = _context(body["context"], "context") if "context" in body else {}
    offset, limit = _page(body["page"]) if "page" in body else (0, None)
    return ActionSearch(subject, resource, context, offset, limit)


_Parsed = dict[str, Any]


def _defaults(body: Mapping[str, Any]) -> _Parsed:
    return {key: _PARSERS[key](body[key], key) for key in _PARSERS if key in body}


def _evaluation(body: Mapping[str, Any], defaults: _Parsed, prefix: str) -> Evaluation:
    parsed: _Parsed = {}
    for key, parse in _PARSERS.items():
        if key in body:
            parsed[key] = parse(body[key], prefix + key)
        elif key in defaults:
            parsed[key] = defaults[key]
        elif key != "context":
            where = "here or at the top level" if prefix else "in the request"
            raise AuthZenRequestError(f"{prefix}{key} is required ({where})")
    return Evaluation(
        parsed["subject"], parsed["action"], parsed["resource"], parsed.get("context", {})
    )


def _required(body: Mapping[str, Any], key: str, prefix: str) -> Any:
    if key not in body:
        raise AuthZenRequestError(f"{prefix}{key} is required")
    return body[key]


def _object(raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, dict):
        raise AuthZenRequestError(f"{where} must be an object")
    return raw


def _name(body: Mapping[str, Any], key: str, where: str) -> str:
    value = _required(body, key, f"{where}.")
    if not isinstance(value, str) or not value:
        raise AuthZenRequestError(f"{where}.{key} must be a non-empty string")
    if len(value) > MAX_NAME:
        raise AuthZenRequestError(f"{where}.{key} is longer than {MAX_NAME} characters")
    return value


def _properties(body: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    raw = body.get("properties", {})
    return _object(raw, f"{where}.properties")


def _subject(raw: Any, where: str) -> Subject:
    body = _object(raw, where)
    kind = _name(body, "type", where)
    uid_type = SUBJECT_TYPES.get(kind)
    if uid_type is None:
        raise AuthZenRequestError(
            f"{where}.type {kind!r} is not a principal Tessera decides for: user or client"
        )
    uid = EntityUid(uid_type, _name(body, "id", where))
    properties = _properties(body, where)
    unknown = sorted(set(properties) - set(SUBJECT_PROPERTIES))
    if unknown:
        raise AuthZenRequestError(
            f"{where}.properties.{unknown[0][:64]}: a principal's attributes come from Tessera's "
            f"directory; the subject properties read are {', '.join(SUBJECT_PROPERTIES)}"
        )
    return Subject(uid, _authentication(properties, f"{where}.properties"), _ip(properties, where))


def _authentication(properties: Mapping[str, Any], where: str) -> Authentication:
    acr = properties.get("acr", "")
    if not isinstance(acr, str) or len(acr) > MAX_NAME:
        raise AuthZenRequestError(f"{where}.acr must be a string of at most {MAX_NAME} characters")
    amr = properties.get("amr", [])
    if (
        not isinstance(amr, list)
        or len(amr) > MAX_AMR
        or not all(isinstance(value, str) and 0 < len(value) <= MAX_NAME for value in amr)
    ):
        raise AuthZenRequestError(
            f"{where}.amr must be an array of at most {MAX_AMR} non-empty strings"
        )
    return Authentication(acr, tuple(dict.fromkeys(amr)))


def _ip(properties: Mapping[str, Any], where: str) -> IPAddress | None:
    if "ip_address" not in properties:
        return None
    raw = properties["ip_address"]
    if isinstance(raw, str) and len(raw) <= 64:
        try:
            return ipaddress.ip_address(raw)
        except ValueError:
            pass
    raise AuthZenRequestError(f"{where}.properties.ip_address must be an IPv4 or IPv6 address")


def _action(raw: Any, where: str) -> str:
    body = _object(raw, where)
    name = _name(body, "name", where)
    if _properties(body, where):
        raise AuthZenRequestError(
            f"{where}.properties: Cedar actions carry no attributes; "
            "pass the action's parameters in context"
        )
    return name


def _resource(raw: Any, where: str) -> Resource:
    count = [0]
    return _resource_at(raw, where, 0, count)


def _resource_at(raw: Any, where: str, depth: int, count: list[int]) -> Resource:
    body = _object(raw, where)
    uid = EntityUid(_name(body, "type", where), _name(body, "id", where))
    properties = dict(_properties(body, where))
    parents_raw = properties.pop(PARENTS, [])
    attributes = _record(properties, f"{where}.properties", 1)
    if not isinstance(parents_raw, list):
        raise AuthZenRequestError(f"{where}.properties.{PARENTS} must be an array of resources")
    if parents_raw and depth >= MAX_RESOURCE_PARENT_DEPTH:
        raise AuthZenRequestError(
            f"{where}: parents nest deeper than {MAX_RESOURCE_PARENT_DEPTH} levels"
        )
    count[0] += len(parents_raw)
    if count[0] > MAX_PARENTS:
        raise AuthZenRequestError(f"{where}: a resource has more than {MAX_PARENTS} parents")
    parents = tuple(
        _resource_at(parent, f"{where}.properties.{PARENTS}[{index}]", depth + 1, count)
        for index, parent in enumerate(parents_raw)
    )
    return Resource(uid, attributes, parents)


def _context(raw: Any, where: str) -> Mapping[str, Any]:
    body = _object(raw, where)
    for name in TESSERA_CONTEXT:
        if name in body:
            source = "Tessera's clock" if name == "time" else "subject.properties"
            raise AuthZenRequestError(
                f"{where}.{name} is set by Tessera, not the caller (it comes from {source})"
            )
    return _record(body, where, 1)


# the members of an evaluation, in the order they are read; all but context required
_PARSERS: dict[str, Callable[[Any, str], Any]] = {
    "subject": _subject,
    "action": _action,
    "resource": _resource,
    "context": _context,
}


def _semantic(raw: Any) -> EvaluationsSemantic:
    options = _object(raw, "options")
    value = options.get("evaluations_semantic", EvaluationsSemantic.EXECUTE_ALL.value)
    try:
        return EvaluationsSemantic(value)
    except ValueError:
        allowed = ", ".join(semantic.value for semantic in EvaluationsSemantic)
        raise AuthZenRequestError(
            f"options.evaluations_semantic must be one of {allowed}"
        ) from None


def _page(raw: Any) -> tuple[int, int | None]:
    """§8.3.1: the opaque token is the offset Tessera gave as `next_token`."""
    page = _object(raw, "page")
    token = page.get("token", "")
    if not isinstance(token, str) or not _PAGE_TOKEN.fullmatch(token):
        raise AuthZenRequestError("page.token is not a token this PDP issued")
    limit = page.get("limit", 0)
    if type(limit) is not int or not 0 <= limit <= MAX_SET_SIZE:
        raise AuthZenRequestError(f"page.limit must be an integer from 0 to {MAX_SET_SIZE}")
    return int(token or 0), page.get("limit")


def _record(body: Mapping[str, Any], where: str, depth: int) -> dict[str, Any]:
    if len(body) > MAX_RECORD_SIZE:
        raise AuthZenRequestError(f"{where} has more than {MAX_RECORD_SIZE} members")
    record = {}
    for name, value in body.items():
        if not name or len(name) > MAX_NAME:
            raise AuthZenRequestError(f"{where}: member names are 1 to {MAX_NAME} characters")
        record[name] = _value(value, f"{where}.{name}", depth)
    return record


def _value(value: Any, where: str, depth: int) -> Any:
    """A JSON value as the engine's Python value (entities.py), bounded."""
    if depth > MAX_VALUE_DEPTH:
        raise AuthZenRequestError(f"{where}: values nest deeper than {MAX_VALUE_DEPTH} levels")
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not LONG_MIN <= value <= LONG_MAX:
            raise AuthZenRequestError(f"{where}: {value} does not fit a 64-bit integer")
        return value
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise AuthZenRequestError(f"{where}: a string longer than {MAX_STRING} characters")
        return value
    if isinstance(value, float):
        raise AuthZenRequestError(
            f"{where}: Cedar has no floats; pass a decimal as an __extn object "
            "with fn decimal and the number as a string in arg"
        )
    if value is None:
        raise AuthZenRequestError(f"{where}: Cedar has no null; leave the member out")
    if isinstance(value, list):
        if len(value) > MAX_SET_SIZE:
            raise AuthZenRequestError(f"{where}: an array of more than {MAX_SET_SIZE} items")
        return tuple(_value(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value))
    if isinstance(value, dict):
        if "__entity" in value:
            return _entity_reference(value, where)
        if "__extn" in value:
            return _extension(value, where)
        return _record(value, where, depth + 1)
    raise AuthZenRequestError(f"{where}: not a JSON value")


def _entity_reference(value: Mapping[str, Any], where: str) -> EntityUid:
    reference = value["__entity"]
    if len(value) != 1 or not isinstance(reference, dict) or set(reference) != {"type", "id"}:
        raise AuthZenRequestError(
            f"{where}: an entity is an object of one member, __entity, holding its type and id"
        )
    return EntityUid(
        _name(reference, "type", f"{where}.__entity"), _name(reference, "id", f"{where}.__entity")
    )


def _extension(value: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    call = value["__extn"]
    if (
        len(value) != 1
        or not isinstance(call, dict)
        or set(call) != {"fn", "arg"}
        or not isinstance(call["fn"], str)
        or call["fn"] not in EXTENSIONS
        or not isinstance(call["arg"], str)
        or len(call["arg"]) > MAX_NAME
    ):
        raise AuthZenRequestError(
            f"{where}: an extension value is an object of one member, __extn, holding fn (one "
            f"of {', '.join(sorted(EXTENSIONS))}) and arg (a string)"
        )
    # handed to Cedar as written: Cedar reads the argument, and a bad one is a deny
    return {"__extn": {"fn": call["fn"], "arg": call["arg"]}}


# -- deciding --------------------------------------------------------------------------

PrincipalLookup = Callable[[EntityUid], Principal | str]  # the principal, or why none
Decide = Callable[[Evaluation], Decision]


def decider(authorizer: Authorizer, lookup: PrincipalLookup, now: dt.datetime) -> Decide:
    """Decides evaluations with `authorizer`, looking each principal up once; a subject
    that is no principal is a deny saying why."""
    principals: dict[EntityUid, Principal | str] = {}

    def decide(evaluation: Evaluation) -> Decision:
        uid = evaluation.subject.uid
        if uid not in principals:
            principals[uid] = lookup(uid)
        principal = principals[uid]
        if isinstance(principal, str):
            return deny(principal)
        return authorizer.decide(evaluation.access_request(principal, now))

    return decide


def run_evaluations(request: Evaluations, decide: Decide) -> list[Decision]:
    """The decisions, in request order, up to where the semantic stops (§7.1.2.1)."""
    decisions = []
    for item in request.items:
        decision = decide(item)
        decisions.append(decision)
        if request.semantic is EvaluationsSemantic.DENY_ON_FIRST_DENY and decision.denied:
            break
        if request.semantic is EvaluationsSemantic.PERMIT_ON_FIRST_PERMIT and decision.allowed:
            break
    return decisions


def searchable_actions(schema: CedarSchema, resource_type: str) -> tuple[str, ...]:
    """The actions the schema declares for `resource_type`, by name."""
    return tuple(
        sorted(
            name
            for name, resource_types in schema.action_resources.items()
            if resource_type in resource_types
        )
    )


def search_actions(search: ActionSearch, schema: CedarSchema, decide: Decide) -> dict[str, Any]:
    """The Action Search response (§8.4): the permitted actions, a page of them when a
    limit is asked (`next_token` the offset of the next page, "" after the last)."""
    permitted = [
        name
        for name in searchable_actions(schema, search.resource.uid.type)
        if decide(Evaluation(search.subject, name, search.resource, search.context)).allowed
    ]
    end = len(permitted) if search.limit is None else search.offset + search.limit
    results = [{"name": name} for name in permitted[search.offset : end]]
    response: dict[str, Any] = {}
    if search.limit is not None or search.offset:
        next_token = str(end) if end < len(permitted) else ""
        response["page"] = {
            "next_token": next_token,
            "count": len(results),
            "total": len(permitted),
        }
    response["results"] = results
    return response


# -- rendering -------------------------------------------------------------------------


def render_decision(decision: Decision) -> dict[str, Any]:
    """A Decision (§5.5): `decision`, and a `context` that says why — the reason in a
    line, the determining policies, the evaluation errors."""
    context: dict[str, Any] = {"reason": decision.explain()}
    if decision.policy_ids:
        context["policy_ids"] = list(decision.policy_ids)
    if decision.errors:
        context["errors"] = [_error(error.message, error.policy_id) for error in decision.errors]
    return {"decision": decision.allowed, "context": context}


def render_evaluations(request: Evaluations, decisions: Sequence[Decision]) -> dict[str, Any]:
    """§7.2: the decisions in request order (no top-level `decision`, as recommended),
    or the single decision of a request without an `evaluations` array."""
    if not request.batch:
        return render_decision(decisions[0])
    return {"evaluations": [render_decision(decision) for decision in decisions]}


def _error(message: str, policy_id: str | None) -> dict[str, str]:
    return {"message": message} | ({"policy_id": policy_id} if policy_id else {})
