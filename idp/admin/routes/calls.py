"""What every admin API call shares: authenticating the calling service (a
client-credentials access token, RFC 9068, carrying the resource's scope: 401 without
one, 403 with another scope, RFC 6750 §3.1), reading its JSON body (RFC 8259; at most
IDP_MAX_BODY_BYTES, else 413; another media type is 415, RFC 9110 §15.5.16), and
answering JSON that is never cached."""

from __future__ import annotations

from typing import Any

from fastapi import Security
from fastapi.responses import JSONResponse
from starlette.requests import Request

from idp.errors import UnsupportedMediaTypeError
from idp.http import openapi
from idp.http.forms import JSON_CONTENT_TYPE, json_object, media_type
from idp.http.service_callers import service_client
from idp.provider import Provider

V1 = "/admin/v1"
AUTHENTICATED = [Security(openapi.BEARER_ACCESS_TOKEN)]
UNCACHED = {"Cache-Control": "no-store"}


def calling_client(request: Request, provider: Provider, scope: str) -> str:
    """The client id of the caller, whose token carries ``scope``."""
    return service_client(request, provider, frozenset({scope}))


async def json_body(
    request: Request, provider: Provider, limit: int | None = None
) -> dict[str, Any]:
    """The JSON object of at most ``limit`` bytes (else IDP_MAX_BODY_BYTES)."""
    if media_type(request) != JSON_CONTENT_TYPE:
        raise UnsupportedMediaTypeError(f"the request body must be {JSON_CONTENT_TYPE}")
    return await json_object(request, limit or provider.settings.max_body_bytes)


def json_response(
    document: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(document, status_code=status_code, headers={**UNCACHED, **(headers or {})})
