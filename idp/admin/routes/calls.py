"""What every admin API call does first: authenticate the calling service (a
client-credentials access token, RFC 9068, carrying the resource's scope: 401 without
one, 403 with another scope, RFC 6750 §3.1) and read its JSON body (RFC 8259; at most
IDP_MAX_BODY_BYTES, else 413; another media type is 415, RFC 9110 §15.5.16)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from idp.errors import UnsupportedMediaTypeError
from idp.http.forms import JSON_CONTENT_TYPE, json_object, media_type
from idp.http.service_callers import service_client
from idp.provider import Provider


def calling_client(request: Request, provider: Provider, scope: str) -> str:
    """The client id of the caller, whose token carries ``scope``."""
    return service_client(request, provider, frozenset({scope}))


async def json_body(request: Request, provider: Provider) -> dict[str, Any]:
    if media_type(request) != JSON_CONTENT_TYPE:
        raise UnsupportedMediaTypeError(f"the request body must be {JSON_CONTENT_TYPE}")
    return await json_object(request, provider.settings.max_body_bytes)
