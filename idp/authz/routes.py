"""HTTP: the OpenID AuthZEN Authorization API 1.0 (the decision API) — Access Evaluation
(§6), Access Evaluations (§7), Action Search (§8.6) and the PDP metadata (§9). Each
call but the metadata needs a client-credentials access token with ``access.evaluate``
(§14.2 recommends authenticating the PEP). Bodies are parsed and decided by the pure
mapping (idp.authz.authzen); a malformed body is 400 naming the member, and whatever
cannot be decided is ``"decision": false`` saying why, never an error. The PEP's
``X-Request-ID`` is echoed by idp.http.request_id (§12.1.3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Security
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from idp.authz.authzen import (
    ACCESS_EVALUATE,
    AuthZenRequestError,
    Decide,
    PrincipalLookup,
    decider,
    parse_action_search,
    parse_evaluation,
    parse_evaluations,
    pdp_metadata,
    render_decision,
    render_evaluations,
    run_evaluations,
    search_actions,
)
from idp.authz.bundles import MEDIA_TYPE as BUNDLE_MEDIA_TYPE
from idp.authz.cedar_schema import USER, CedarSchema
from idp.authz.decision_point import DecisionPoint, UnknownPrincipal
from idp.authz.entities import EntityUid, Principal
from idp.errors import InvalidRequestError
from idp.http import openapi
from idp.http.conditional import conditional_response
from idp.http.deps import ProviderDep, get_provider
from idp.http.errors import NO_STORE
from idp.http.forms import json_object
from idp.http.service_callers import service_claims
from idp.provider import Provider
from idp.store.database import unavailable_when_unreachable
from idp.store.repository import SqlStore

router = APIRouter(tags=["Decision API (AuthZEN)"])
EVALUATE = frozenset({ACCESS_EVALUATE})
Parsed = TypeVar("Parsed")
Answer = TypeVar("Answer")
ERRORS = openapi.bearer_errors(401, 403) | openapi.oauth_errors(400, 413) | openapi.unavailable()


def _body(*, evaluations: bool = False, search: bool = False) -> dict[str, Any]:
    """The request body as documented: the members the mapping reads, bounded."""
    members = dict(_MEMBERS)
    required = ["subject", "resource"] if search else ["subject", "action", "resource"]
    if search:
        members.pop("action")
        members["page"] = _PAGE
    if evaluations:
        required = []
        item = {"type": "object", "properties": dict(_MEMBERS)}
        members["evaluations"] = {"type": "array", "maxItems": 100, "items": item}
        members["options"] = {
            "type": "object",
            "properties": {
                "evaluations_semantic": {
                    "enum": ["execute_all", "deny_on_first_deny", "permit_on_first_permit"]
                }
            },
        }
    schema = {"type": "object", "required": required, "properties": members}
    content = {openapi.JSON: {"schema": schema}}
    return {"requestBody": {"required": True, "content": content}, **_REQUEST_ID}


_NAME = {"type": "string", "minLength": 1, "maxLength": 256}
_MEMBERS: dict[str, Any] = {
    "subject": {
        "type": "object",
        "required": ["type", "id"],
        "properties": {
            "type": {"enum": ["user", "client", "User", "Client"]},
            "id": _NAME,
            "properties": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "acr": {"type": "string", "maxLength": 256},
                    "amr": {"type": "array", "maxItems": 16, "items": _NAME},
                    "ip_address": {"anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]},
                },
            },
        },
    },
    "action": {
        "type": "object",
        "required": ["name"],
        "properties": {"name": _NAME, "properties": {"type": "object", "maxProperties": 0}},
    },
    "resource": {
        "type": "object",
        "required": ["type", "id"],
        "properties": {"type": _NAME, "id": _NAME, "properties": {"type": "object"}},
    },
    "context": {"type": "object"},
}
_PAGE = {
    "type": "object",
    "properties": {
        "token": {"type": "string", "pattern": "^[0-9]{0,6}$"},
        "limit": {"type": "integer", "minimum": 0, "maximum": 1000},
    },
}
_REQUEST_ID = {
    "parameters": [
        {
            "name": "X-Request-ID",
            "in": "header",
            "required": False,
            "description": "The PEP's request identifier, echoed in the response (§12.1.3)",
            "schema": {"type": "string"},
        }
    ]
}
_DECISION: dict[str, Any] = {
    "type": "object",
    "required": ["decision"],
    "properties": {"decision": {"type": "boolean"}, "context": {"type": "object"}},
}


def _answer(schema: dict[str, Any], description: str) -> openapi.Responses:
    return {200: {"description": description, "content": {openapi.JSON: {"schema": schema}}}}


@router.get(
    "/.well-known/authzen-configuration",
    summary="Policy Decision Point metadata (AuthZEN 1.0 §9)",
    response_class=JSONResponse,
)
async def authzen_configuration(provider: ProviderDep) -> JSONResponse:
    return JSONResponse(
        pdp_metadata(provider.settings.issuer), headers={"Cache-Control": "public, max-age=300"}
    )


@router.post(
    "/access/v1/evaluation",
    summary="Access Evaluation (AuthZEN 1.0 §6)",
    openapi_extra=_body(),
    dependencies=[Security(openapi.BEARER_ACCESS_TOKEN)],
    responses=_answer(_DECISION, "The decision, and in its context why") | ERRORS,
)
async def evaluation(request: Request) -> Response:
    provider, body = await _authenticated(request)
    parsed = _parsed(parse_evaluation, body)
    decision = await _deciding(provider, lambda decide, _: decide(parsed))
    return _json(render_decision(decision))


@router.post(
    "/access/v1/evaluations",
    summary="Access Evaluations, a batch with defaults and a semantic (AuthZEN 1.0 §7)",
    openapi_extra=_body(evaluations=True),
    dependencies=[Security(openapi.BEARER_ACCESS_TOKEN)],
    responses=_answer(
        {
            "type": "object",
            "properties": {"evaluations": {"type": "array", "items": _DECISION}}
            | _DECISION["properties"],
        },
        "The decisions in request order, up to where the semantic stopped; or the one "
        "decision of a request without evaluations",
    )
    | ERRORS,
)
async def evaluations(request: Request) -> Response:
    provider, body = await _authenticated(request)
    parsed = _parsed(parse_evaluations, body)
    decisions = await _deciding(provider, lambda decide, _: run_evaluations(parsed, decide))
    return _json(render_evaluations(parsed, decisions))


@router.post(
    "/access/v1/search/action",
    summary="Action Search: the actions the subject may do to the resource (AuthZEN 1.0 §8.6)",
    openapi_extra=_body(search=True),
    dependencies=[Security(openapi.BEARER_ACCESS_TOKEN)],
    responses=_answer(
        {
            "type": "object",
            "required": ["results"],
            "properties": {
                "page": {"type": "object"},
                "results": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"name": {"type": "string"}}},
                },
            },
        },
        "The permitted actions among those the schema declares for the resource type",
    )
    | ERRORS,
)
async def action_search(request: Request) -> Response:
    provider, body = await _authenticated(request)
    parsed = _parsed(parse_action_search, body)

    def search(decide: Decide, schema: CedarSchema) -> dict[str, Any]:
        return search_actions(parsed, schema, decide)

    return _json(await _deciding(provider, search))


@router.get(
    "/access/v1/policy-bundle",
    summary="The policy bundle for local decisions in the SDK (Tessera's own, not AuthZEN)",
    response_class=Response,
    dependencies=[Security(openapi.BEARER_ACCESS_TOKEN)],
    responses=openapi.POLICY_BUNDLE
    | openapi.bearer_errors(401, 403)
    | openapi.oauth_errors(400)
    | openapi.unavailable(),
)
async def policy_bundle(request: Request) -> Response:
    """What the SDK decides with (idp.authz.bundles), for a PEP allowed to ask the
    decision API: answered conditionally (RFC 9110 §13.1.2), cached privately since it
    is served to an authenticated caller (RFC 9111 §5.2.2.7)."""
    provider = await get_provider(request)
    service_claims(request, provider, EVALUATE)
    signed = await run_in_threadpool(provider.policy_bundles.current)
    max_age = provider.settings.policy_bundle_max_age
    return conditional_response(
        request,
        signed.token.encode(),
        etag=signed.etag,
        media_type=BUNDLE_MEDIA_TYPE,
        headers={"Cache-Control": f"private, max-age={max_age}"},
    )


async def _authenticated(request: Request) -> tuple[Provider, dict[str, Any]]:
    """The caller first (no token is 401 whatever the body), then its JSON body."""
    provider = await get_provider(request)
    service_claims(request, provider, EVALUATE)
    return provider, await json_object(request, provider.settings.max_body_bytes)


def _parsed(parse: Callable[[Mapping[str, Any]], Parsed], body: Mapping[str, Any]) -> Parsed:
    try:
        return parse(body)
    except AuthZenRequestError as error:  # AuthZEN 1.0 §12.1.2: a Bad Request
        raise InvalidRequestError(str(error)) from None


async def _deciding(provider: Provider, work: Callable[[Decide, CedarSchema], Answer]) -> Answer:
    """`work` with a decider on the policy version in force (and its schema); the
    principals are read in one read-only transaction, off the event loop. A database
    that cannot be reached is 503 (AuthZEN §12.1.2: the payload could not be handled),
    not a deny."""
    point = provider.decision_point

    def run() -> Answer:
        with unavailable_when_unreachable(), provider.reading() as store:
            authorizer = point.authorizer()
            decide = decider(authorizer, _principals(point, store), _now(provider))
            return work(decide, authorizer.policies.schema)

    return await run_in_threadpool(run)


def _principals(point: DecisionPoint, store: SqlStore) -> PrincipalLookup:
    """The user or client a subject names, from storage; why not, when it is none."""

    def lookup(uid: EntityUid) -> Principal | str:
        try:
            if uid.type == USER:
                return point.user_principal(store, uid.id)
            return point.client_principal(store, uid.id)
        except UnknownPrincipal as unknown:
            return f"{uid} is {unknown.why or 'not a known principal'}"

    return lookup


def _now(provider: Provider) -> dt.datetime:
    return dt.datetime.fromtimestamp(provider.clock.now(), dt.UTC)


def _json(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, headers=NO_STORE)


# Where the PEP's X-Request-ID is echoed (idp.http.request_id).
PATHS = ("/access/v1/", "/.well-known/authzen-configuration")
# Dispatched ahead of the router by idp.http.direct_routes.DirectRoutes.
DIRECT_ROUTES = {
    ("POST", "/access/v1/evaluation"): evaluation,
    ("POST", "/access/v1/evaluations"): evaluations,
}
