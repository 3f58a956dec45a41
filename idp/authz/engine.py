"""The decision: a request in Tessera's terms, mapped onto one Cedar call.

Principal, action, resource and context map one to one onto Cedar's request
(https://docs.cedarpolicy.com/auth/authorization.html); the principal's groups and roles
become its Cedar ancestors (entities.py). The standard context (cedar_schema.py) is
filled here: `acr` and `amr` from how the principal signed in (empty when unknown, so
step-up rules fail closed), `time` from the caller's clock, `ip` when known.

The call hands Cedar the slice of the policy set for the request's action and resource
type (policies.py) and the request's own entities; the schema is passed too, so Cedar
checks the request and its entities against it (a context attribute of the wrong type,
an entity missing a required attribute: a deny naming it).

Anything that goes wrong is a deny with the error (decisions.py); `decide` does not
raise on request data. Pure: imports only the standard library and ``cedarpy``, so the
SDK decides with this same code.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import cedarpy

from idp.authz.cedar_schema import ACTION, STANDARD_CONTEXT
from idp.authz.decisions import Decision, decision_from_cedar, deny
from idp.authz.entities import (
    EMPTY_HIERARCHY,
    EntityDataError,
    Hierarchy,
    Principal,
    Resource,
    cedar_record,
    entities_json,
)
from idp.authz.policies import PolicySet

_STANDARD = frozenset(attribute.name for attribute in STANDARD_CONTEXT)


@dataclass(frozen=True, slots=True)
class Authentication:
    """How the principal signed in, from its token or session (OIDC Core §2: acr, amr)."""

    acr: str = ""
    amr: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AccessRequest:
    principal: Principal
    action: str
    resource: Resource
    time: dt.datetime
    authentication: Authentication = Authentication()
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None
    # the application's own context attributes, as its action declares them
    context: Mapping[str, Any] = field(default_factory=dict)


class Authorizer:
    """Decides requests against one policy version and one hierarchy version."""

    def __init__(self, policies: PolicySet, hierarchy: Hierarchy = EMPTY_HIERARCHY) -> None:
        self.policies = policies
        self.hierarchy = hierarchy

    def decide(self, request: AccessRequest) -> Decision:
        """The sliced decision: what Cedar answers with the whole set, faster."""
        return self._decide(request, sliced=True)

    def decide_unsliced(self, request: AccessRequest) -> Decision:
        """The same decision, Cedar handed every policy (tests and the benchmark)."""
        return self._decide(request, sliced=False)

    def decide_all(self, requests: Iterable[AccessRequest]) -> list[Decision]:
        return [self.decide(request) for request in requests]

    def _decide(self, request: AccessRequest, *, sliced: bool) -> Decision:
        try:
            cedar_request, entities = self.cedar_call(request)
        except EntityDataError as error:
            return deny(str(error))
        except Exception as error:  # not the shape of a request at all: still a deny
            return deny(f"the request could not be read: {type(error).__name__}: {error}")
        if sliced:
            policy_set = self.policies.slice_for(request.action, request.resource.uid.type)
        else:
            policy_set = self.policies.whole
        try:
            result = cedarpy.is_authorized(
                cedar_request, policy_set, entities, schema=self.policies.schema.handle
            )
            diagnostics = result.diagnostics
            return decision_from_cedar(
                result.decision.value,
                list(diagnostics.reasons),
                list(diagnostics.errors),
                redact=entities,
            )
        except Exception as error:  # the engine's own failure is a deny, never a 500
            return deny(f"the policy engine failed: {type(error).__name__}: {error}")

    def cedar_call(self, request: AccessRequest) -> tuple[dict[str, Any], str]:
        """The Cedar request and the entity document (JSON) of `request`."""
        if not isinstance(request.action, str) or not request.action:
            raise EntityDataError("the action is a non-empty string")
        clash = _STANDARD & set(request.context)
        if clash:
            raise EntityDataError(
                f"context attribute {sorted(clash)[0]!r} is set by Tessera, not the caller"
            )
        if request.time.tzinfo is None:
            raise EntityDataError("the request time needs a time zone")
        context: dict[str, Any] = {
            "acr": request.authentication.acr,
            "amr": tuple(request.authentication.amr),
            "time": request.time,
        }
        if request.ip is not None:
            context["ip"] = request.ip
        context.update(request.context)
        entities = entities_json(request.principal, request.resource, self.hierarchy)
        cedar_request = {
            "principal": request.principal.uid.cedar(),
            "action": {"type": ACTION, "id": request.action},
            "resource": request.resource.uid.cedar(),
            "context": cedar_record(context, "context"),
        }
        return cedar_request, entities
