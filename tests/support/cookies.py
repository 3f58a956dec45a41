"""Set-Cookie headers as a browser reads them (RFC 6265 §5.2)."""

from __future__ import annotations

import httpx


def set_cookie(response: httpx.Response, name: str) -> str | None:
    """The Set-Cookie header that sets ``name``, or None."""
    for header in response.headers.get_list("set-cookie"):
        if header.split("=", 1)[0].strip() == name:
            return header
    return None


def cookie_attributes(header: str) -> dict[str, str]:
    """Attribute names (lower case) of a Set-Cookie header, with their values."""
    attributes = {}
    for part in header.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value
    return attributes


def cookie_value(header: str) -> str:
    return header.split(";", 1)[0].split("=", 1)[1]
