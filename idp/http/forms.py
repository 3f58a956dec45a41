"""Reading OAuth parameters from requests (RFC 6749 §3.1, §3.2; OIDC Core §3.1.2.1)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from starlette.requests import ClientDisconnect

from idp.errors import InvalidRequestError, RequestTooLargeError
from idp.oauth.parameters import single_valued

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"
MAX_FIELDS = 64
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def media_type(request: Request) -> str:
    """The body's media type, without parameters (RFC 9110 §8.3.1: case-insensitive)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def form_params(request: Request, limit: int) -> dict[str, str]:
    """The form body of a POST, at most ``limit`` bytes; any other content type is
    invalid_request."""
    return single_valued(await form_pairs(request, limit))


async def form_pairs(request: Request, limit: int) -> list[tuple[str, str]]:
    """The name/value pairs of a form body, repeats included."""
    if media_type(request) != FORM_CONTENT_TYPE:
        raise InvalidRequestError(f"request body must be {FORM_CONTENT_TYPE}")
    body = await read_limited_body(request, limit)
    try:
        pairs = parse_qsl(
            body.decode("utf-8", errors="strict"),
            keep_blank_values=True,
            max_num_fields=MAX_FIELDS,
            errors="strict",
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequestError("request body is not valid form data") from exc
    return pairs


async def json_object(request: Request, limit: int) -> dict[str, Any]:
    """A JSON object body (RFC 8259) of at most ``limit`` bytes; a repeated member name
    is refused rather than silently resolved."""
    if media_type(request) != JSON_CONTENT_TYPE:
        raise InvalidRequestError(f"request body must be {JSON_CONTENT_TYPE}")
    body = await read_limited_body(request, limit)
    try:
        document = json.loads(body.decode("utf-8"), object_pairs_hook=_unique_members)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidRequestError("request body is not valid JSON") from exc
    if not isinstance(document, dict):
        raise InvalidRequestError("request body must be a JSON object")
    if _SURROGATE_ESCAPE.search(body) and _holds_lone_surrogate(document):
        # RFC 8259 §8.2: an unpaired surrogate escape is no Unicode character; nothing
        # downstream (storage, Cedar) can take one.
        raise InvalidRequestError("request body holds an unpaired surrogate escape")
    return document


def _holds_lone_surrogate(document: dict[str, Any]) -> bool:
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise ValueError("a member name is repeated")
    return members


async def read_limited_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise RequestTooLargeError(f"request body exceeds {limit} bytes")
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise RequestTooLargeError(f"request body exceeds {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        # Gone before the whole body came (a slow body answered 408): nobody reads the
        # answer, and it is no server error.
        raise InvalidRequestError("the client went away before sending the body") from None
    return b"".join(chunks)


async def optional_form_params(request: Request, limit: int) -> dict[str, str]:
    """Like form_params, but a request with no body and no content type has no params."""
    if "content-type" not in request.headers and not await read_limited_body(request, limit):
        return {}
    return await form_params(request, limit)
