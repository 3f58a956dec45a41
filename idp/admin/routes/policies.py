"""HTTP: the realm's policies on the admin API (scope ``admin.authz``). The current
version is one resource, ``/admin/v1/policies``: ``GET`` it with its ETag, ``PUT`` a new
declaration and policies to publish the next version, with ``If-Match`` naming the
version it replaces (``If-None-Match: *`` for the first; without either 428, stale
412: RFC 9110 §13.1, RFC 6585 §3). Published versions never change:
``/admin/v1/policies/versions[/{n}]``; ``POST …/versions/{n}/rollback`` publishes n's
content again as a new version (history is never rewritten; If-Match is honoured).
Policies that do not validate are 422, every problem listed with its policy id, line
and column."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from idp.admin.authz import ADMIN_AUTHZ
from idp.admin.policies import (
    POLICY_REFUSALS,
    Publication,
    based_on,
    optionally_based_on,
    policy_refusal,
    policy_version_json,
    publication,
    version_etag,
    version_json,
)
from idp.admin.routes.calls import AUTHENTICATED, V1, calling_client, json_body, json_response
from idp.authz.policy_store import (
    MAX_HISTORY,
    history,
    load_current,
    load_version,
    publish,
    rollback,
)
from idp.authz.policy_versions import PolicyVersionInfo
from idp.errors import NotFoundError
from idp.http import openapi
from idp.http.deps import ProviderDep
from idp.provider import Provider
from idp.revocation.events import client_actor
from idp.store.repository import SqlStore

router = APIRouter(tags=["Admin API: policies"])
POLICIES = f"{V1}/policies"
Result = TypeVar("Result")
READ_ERRORS = openapi.problem_errors(400, 401, 403, 404, 503)
PUBLISH_ERRORS = openapi.problem_errors(400, 401, 403, 412, 413, 415, 422, 428, 503)
IfMatch = Annotated[
    str | None,
    Header(max_length=1024, description="The ETag of the version this change replaces"),
]
IfNoneMatch = Annotated[
    str | None, Header(max_length=1024, description="*: only if nothing is published yet")
]
VersionPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="The version's number")]

_ETAG_HEADER = {"description": "The version's entity tag", "schema": {"type": "string"}}
PUBLICATION_BODY = openapi.json_body(
    {
        "type": "object",
        "required": ["policies"],
        "properties": {
            "declaration": {
                "type": "object",
                "description": "The application's declaration: user_attributes, "
                "resource_types, actions (docs/authorization.md)",
            },
            "policies": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "text"],
                    "properties": {"id": {"type": "string"}, "text": {"type": "string"}},
                    "additionalProperties": False,
                },
            },
            "comment": {"anyOf": [{"type": "string", "maxLength": 255}, {"type": "null"}]},
            "version": {"type": "object", "description": "As GET gave it; not read"},
        },
        "additionalProperties": False,
    }
)


def _version(status: int, description: str) -> openapi.Responses:
    return {status: {"description": description, "headers": {"ETag": _ETAG_HEADER}}}


PUBLISHED = _version(200, "Published as the next version") | _version(
    201, "The first version published"
)


@contextmanager
def _refusals() -> Iterator[None]:
    """The store's refusals as HTTP errors, raised outside the transaction (it rolls back)."""
    try:
        yield
    except POLICY_REFUSALS as error:
        raise policy_refusal(error) from None


def _reading(request: Request, provider: Provider, read: Callable[[SqlStore], Result]) -> Result:
    calling_client(request, provider, ADMIN_AUTHZ)
    with _refusals(), provider.reading() as store:
        return read(store)


def _in_transaction(provider: Provider, change: Callable[[SqlStore], Result]) -> Result:
    with _refusals(), provider.store() as store:
        return change(store)


def _current_number(store: SqlStore) -> int | None:
    current = load_current(store)
    return current.info.number if current else None


def _published(info: PolicyVersionInfo, status_code: int) -> JSONResponse:
    return json_response(
        version_json(info),
        status_code,
        {
            "ETag": version_etag(info.number),
            "Content-Location": f"{POLICIES}/versions/{info.number}",
        },
    )


@router.get(
    POLICIES,
    summary="The policies in force: the declaration and the policies, with the ETag",
    dependencies=AUTHENTICATED,
    responses=_version(200, "The current version") | READ_ERRORS,
)
def read_policies(request: Request, provider: ProviderDep) -> JSONResponse:
    current = _reading(request, provider, load_current)
    if current is None:
        raise NotFoundError("no policies are published")
    etag = version_etag(current.info.number)
    return json_response(policy_version_json(current), headers={"ETag": etag})


@router.put(
    POLICIES,
    summary="Publish a new version of the declaration and policies (If-Match required)",
    dependencies=AUTHENTICATED,
    responses=PUBLISHED | PUBLISH_ERRORS,
    openapi_extra=PUBLICATION_BODY,
)
async def publish_policies(
    request: Request,
    provider: ProviderDep,
    if_match: IfMatch = None,
    if_none_match: IfNoneMatch = None,
) -> JSONResponse:
    client_id = calling_client(request, provider, ADMIN_AUTHZ)
    body = await json_body(request, provider, provider.settings.admin_policies_max_bytes)
    wanted = publication(body)

    def publish_it(store: SqlStore) -> PolicyVersionInfo:
        replaced = based_on(if_match, if_none_match, _current_number(store))
        return _publish(provider, store, client_id, wanted, replaced)

    info = await run_in_threadpool(_in_transaction, provider, publish_it)
    return _published(info, 201 if info.number == 1 else 200)


def _publish(
    provider: Provider, store: SqlStore, client_id: str, wanted: Publication, replaced: int
) -> PolicyVersionInfo:
    declaration = wanted.content.declaration
    return publish(
        store,
        declaration.application,
        wanted.content.sources,
        client_actor(client_id),
        wanted.comment,
        provider.clock.now(),
        user_attributes=declaration.user_attributes,
        based_on=replaced,
    )


@router.get(
    f"{POLICIES}/versions",
    summary="Published versions, newest first",
    dependencies=AUTHENTICATED,
    responses=READ_ERRORS,
)
def list_versions(
    request: Request,
    provider: ProviderDep,
    limit: Annotated[int, Query(ge=1, le=MAX_HISTORY, description="At most this many")] = 100,
) -> JSONResponse:
    versions = _reading(request, provider, lambda store: history(store, limit))
    return json_response([version_json(info) for info in versions])


@router.get(
    f"{POLICIES}/versions/{{number}}",
    summary="One published version: its declaration and policies",
    dependencies=AUTHENTICATED,
    responses=_version(200, "The version") | READ_ERRORS,
)
def read_version(request: Request, provider: ProviderDep, number: VersionPath) -> JSONResponse:
    version = _reading(request, provider, lambda store: load_version(store, number))
    return json_response(policy_version_json(version), headers={"ETag": version_etag(number)})


@router.post(
    f"{POLICIES}/versions/{{number}}/rollback",
    summary="Publish version n's content again, as the next version",
    status_code=201,
    dependencies=AUTHENTICATED,
    responses=_version(201, "Published") | openapi.problem_errors(400, 401, 403, 404, 412, 503),
)
async def roll_back(
    request: Request,
    provider: ProviderDep,
    number: VersionPath,
    if_match: IfMatch = None,
    if_none_match: IfNoneMatch = None,
) -> JSONResponse:
    client_id = calling_client(request, provider, ADMIN_AUTHZ)

    def roll_back_to(store: SqlStore) -> PolicyVersionInfo:
        replaced = optionally_based_on(if_match, if_none_match, _current_number(store))
        actor, now = client_actor(client_id), provider.clock.now()
        return rollback(store, number, actor, now, based_on=replaced)

    info = await run_in_threadpool(_in_transaction, provider, roll_back_to)
    response = _published(info, 201)
    response.headers["Location"] = f"{POLICIES}/versions/{info.number}"
    return response
