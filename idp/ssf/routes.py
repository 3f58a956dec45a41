"""HTTP: the Shared Signals transmitter — metadata (SSF 1.0 §7), stream management
(§8.1), and the stream deliveries a receiver reads: RFC 8936 poll and Server-Sent
Events. Every call but the metadata needs a client-credentials access token with
``ssf.manage`` (changes) or ``ssf.read`` (reads)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Query, Request, Security
from fastapi.responses import JSONResponse, Response
from sse_starlette.event import ServerSentEvent
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from idp.errors import (
    NotAcceptableError,
    NotFoundError,
    ProtocolError,
)
from idp.http import openapi
from idp.http.deps import ProviderDep
from idp.http.errors import NO_STORE
from idp.http.forms import json_object
from idp.http.negotiation import accepts
from idp.http.service_callers import service_claims, service_client
from idp.oauth.bearer import check_access_token_live
from idp.provider import Provider
from idp.ssf.delivery import StreamGoneError
from idp.ssf.metadata import SSF_MANAGE, SSF_READ, transmitter_metadata
from idp.ssf.model import DeliveryMethod, Stream
from idp.ssf.storage import StreamStore
from idp.ssf.streams import Streams

router = APIRouter(tags=["Shared Signals"])
Result = TypeVar("Result")
READ = frozenset({SSF_READ, SSF_MANAGE})
MANAGE = frozenset({SSF_MANAGE})
StreamIdQuery = Annotated[str, Query(min_length=1, max_length=64, description="The stream")]
StreamIdPath = Annotated[str, Path(min_length=1, max_length=64, description="The stream")]
AUTHENTICATED = [Security(openapi.BEARER_ACCESS_TOKEN)]
SSE_RESPONSE: openapi.Responses = {
    200: {
        "description": "text/event-stream: a `set` event per SET, its SSE id the event id",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}
ERRORS = openapi.bearer_errors(401, 403) | openapi.oauth_errors(400, 404) | openapi.unavailable()


@router.get(
    "/.well-known/ssf-configuration",
    summary="Transmitter metadata (OpenID Shared Signals Framework 1.0 §7)",
    response_class=JSONResponse,
)
async def ssf_configuration(provider: ProviderDep) -> JSONResponse:
    return JSONResponse(
        transmitter_metadata(provider.settings.issuer),
        headers={"Cache-Control": "public, max-age=300"},
    )


def streams_of(
    request: Request, provider: Provider, store: StreamStore, scopes: frozenset[str]
) -> Streams:
    return _streams(provider, store, service_client(request, provider, scopes))


def _streams(provider: Provider, store: StreamStore, client_id: str) -> Streams:
    return Streams(
        store,
        issuer=provider.settings.issuer,
        client_id=client_id,
        now=provider.clock.now(),
        credentials=provider.push_credentials,
    )


async def _managing(request: Request, provider: Provider) -> tuple[str, dict[str, Any]]:
    """The receiver (checked first: no token is 401 whatever the body) and its body."""
    client_id = service_client(request, provider, MANAGE)
    return client_id, await json_object(request, provider.settings.max_body_bytes)


def _configuration(provider: Provider, stream: Stream, status_code: int = 200) -> JSONResponse:
    return JSONResponse(
        stream.configuration(provider.settings.issuer), status_code=status_code, headers=NO_STORE
    )


@router.post(
    "/ssf/streams",
    summary="Create a stream (SSF 1.0 §8.1.1.1)",
    status_code=201,
    dependencies=AUTHENTICATED,
    responses=ERRORS | openapi.oauth_errors(409),
)
async def create_stream(request: Request, provider: ProviderDep) -> JSONResponse:
    client_id, body = await _managing(request, provider)
    stream = await run_in_threadpool(
        _in_transaction, provider, client_id, lambda streams: streams.create(body)
    )
    return _configuration(provider, stream, 201)


@router.get(
    "/ssf/streams",
    summary="Read one stream, or all of the receiver's (SSF 1.0 §8.1.1.2)",
    dependencies=AUTHENTICATED,
    responses=ERRORS,
)
def read_streams(
    request: Request,
    provider: ProviderDep,
    stream_id: Annotated[str | None, Query(max_length=64)] = None,
) -> JSONResponse:
    with provider.reading() as store:
        streams = streams_of(request, provider, store, READ)
        if stream_id is not None:
            return _configuration(provider, streams.get(stream_id))
        listed = store.list_streams(streams.client_id)
    issuer = provider.settings.issuer
    return JSONResponse([stream.configuration(issuer) for stream in listed], headers=NO_STORE)


@router.patch(
    "/ssf/streams",
    summary="Update a stream (SSF 1.0 §8.1.1.3)",
    dependencies=AUTHENTICATED,
    responses=ERRORS,
)
async def update_stream(request: Request, provider: ProviderDep) -> JSONResponse:
    client_id, body = await _managing(request, provider)
    stream = await run_in_threadpool(
        _in_transaction, provider, client_id, lambda streams: streams.update(body, whole=False)
    )
    return _configuration(provider, stream)


@router.put(
    "/ssf/streams",
    summary="Replace a stream's configuration (SSF 1.0 §8.1.1.4)",
    dependencies=AUTHENTICATED,
    responses=ERRORS,
)
async def replace_stream(request: Request, provider: ProviderDep) -> JSONResponse:
    client_id, body = await _managing(request, provider)
    stream = await run_in_threadpool(
        _in_transaction, provider, client_id, lambda streams: streams.update(body, whole=True)
    )
    return _configuration(provider, stream)


@router.delete(
    "/ssf/streams",
    summary="Delete a stream (SSF 1.0 §8.1.1.5)",
    status_code=204,
    dependencies=AUTHENTICATED,
    responses=ERRORS,
)
def delete_stream(request: Request, provider: ProviderDep, stream_id: StreamIdQuery) -> Response:
    with provider.store() as store:
        streams_of(request, provider, store, MANAGE).delete(stream_id)
    provider.streams_changed()
    return Response(status_code=204, headers=NO_STORE)


@router.get(
    "/ssf/status",
    summary="A stream's status (SSF 1.0 §8.1.2.1)",
    dependencies=AUTHENTICATED,
    responses=ERRORS,
)
def read_status(request: Request, provider: ProviderDep, stream_id: StreamIdQuery) -> JSONResponse:
    with provider.reading() as store:
        stream = streams_of(request, provider, store, READ).get(stream_id)
    return JSONResponse(_status(stream), headers=NO_STORE)


@router.post(
    "/ssf/status",
    summary="Enable, pause or disable a stream (SSF 1.0 §8.1.2.2)",
    dependencies=AUTHENTICATED,
    responses=ERRORS,
)
async def update_status(request: Request, provider: ProviderDep) -> JSONResponse:
    client_id, body = await _managing(request, provider)
    stream = await run_in_threadpool(
        _in_transaction, provider, client_id, lambda streams: streams.set_status(body)
    )
    return JSONResponse(_status(stream), headers=NO_STORE)


@router.post(
    "/ssf/verify",
    summary="Ask for a verification event (SSF 1.0 §8.1.4)",
    status_code=204,
    dependencies=AUTHENTICATED,
    responses=ERRORS | openapi.oauth_errors(429),
)
async def verify(request: Request, provider: ProviderDep) -> Response:
    client_id, body = await _managing(request, provider)
    await run_in_threadpool(
        _in_transaction, provider, client_id, lambda streams: streams.verify(body)
    )
    return Response(status_code=204, headers=NO_STORE)


def _in_transaction(
    provider: Provider, client_id: str, operation: Callable[[Streams], Result]
) -> Result:
    """A management ``operation`` in one transaction; then every node rereads."""
    with provider.store() as store:
        result = operation(_streams(provider, store, client_id))
    provider.streams_changed()
    return result


def _status(stream: Stream) -> dict[str, Any]:
    status: dict[str, Any] = {"stream_id": stream.stream_id, "status": stream.status.value}
    if stream.status_reason:
        status["reason"] = stream.status_reason
    return status


def _stream_for(
    provider: Provider, client_id: str, stream_id: str, method: DeliveryMethod
) -> Stream:
    with provider.reading() as store:
        stream = _streams(provider, store, client_id).get(stream_id)
    if stream.method is not method:
        raise NotFoundError(f"stream {stream_id} is not delivered by {method.value}")
    return stream


@router.post(
    "/ssf/poll/{stream_id}",
    summary="Poll for SETs, acknowledging those received (RFC 8936 §2)",
    dependencies=AUTHENTICATED,
    responses=ERRORS,
)
async def poll(request: Request, provider: ProviderDep, stream_id: StreamIdPath) -> JSONResponse:
    client_id = service_client(request, provider, READ)
    body = await json_object(request, provider.settings.max_body_bytes)
    stream = await run_in_threadpool(
        _stream_for, provider, client_id, stream_id, DeliveryMethod.POLL
    )
    try:
        answer = await provider.events.poll(stream, body, provider.settings.ssf_poll_wait)
    except StreamGoneError:
        raise NotFoundError("no such stream") from None
    return JSONResponse(answer, headers=NO_STORE)


@router.get(
    "/ssf/sse/{stream_id}",
    summary="The stream's SETs as Server-Sent Events, resumable with Last-Event-ID",
    dependencies=AUTHENTICATED,
    response_class=Response,
    responses=SSE_RESPONSE | ERRORS | openapi.oauth_errors(406, 429),
)
async def sse(request: Request, provider: ProviderDep, stream_id: StreamIdPath) -> Response:
    claims = service_claims(request, provider, READ)
    stream = await run_in_threadpool(
        _stream_for, provider, str(claims["client_id"]), stream_id, DeliveryMethod.SSE
    )
    if not accepts(request.headers.get("accept"), "text/event-stream"):
        raise NotAcceptableError("this endpoint serves text/event-stream")
    provider.events.check_room(stream.stream_id)
    # WHATWG HTML §9.2: an empty last event ID is no last event ID.
    last_event_id = request.headers.get("last-event-id") or None
    position = await run_in_threadpool(provider.events.resume_position, stream, last_event_id)
    settings = provider.settings
    return EventSourceResponse(
        _server_sent(provider, stream.stream_id, position, claims),
        ping=settings.ssf_heartbeat_interval,
        send_timeout=settings.ssf_send_timeout,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _server_sent(
    provider: Provider, stream_id: str, position: int, claims: dict[str, Any]
) -> AsyncIterator[ServerSentEvent]:
    """Ends when the subscriber's access token expires or is taken back."""

    def still_authorized() -> bool:
        try:
            check_access_token_live(
                claims, provider.signer, provider.revocations, provider.clock.now()
            )
        except ProtocolError:
            return False
        return True

    try:
        async for event_id, token in provider.events.subscription(
            stream_id, position, still_authorized
        ):
            yield ServerSentEvent(data=token, id=str(event_id), event="set")
    except StreamGoneError:
        return
