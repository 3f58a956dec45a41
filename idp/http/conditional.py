"""Documents that clients cache, answered conditionally: a strong ETag derived from the
bytes (RFC 9110 §8.8.3), and 304 Not Modified to an If-None-Match that names it
(§13.1.2)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import lru_cache

from fastapi import Request, Response


@lru_cache(maxsize=16)  # the few documents served, each serialised once
def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison; "*" matches any current representation."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


def conditional_response(
    request: Request,
    body: bytes,
    *,
    etag: str,
    media_type: str,
    headers: Mapping[str, str],
) -> Response:
    """The document, or 304 with the same validators and caching headers (§15.4.5)."""
    headers = {**headers, "ETag": etag}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)
