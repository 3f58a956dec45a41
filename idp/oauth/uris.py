"""Rules on the URIs clients register and send: absolute URIs without a fragment
(RFC 3986 §4.3, as RFC 6749 §3.1.2 and RFC 8707 §2 require), the loopback redirect
URIs of native apps, whose port may vary (RFC 8252 §7.3), and web origins (RFC 6454)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PORTS = {"https": 443, "http": 80}


def is_absolute_without_fragment(uri: str) -> bool:
    parts = urlsplit(uri)
    return bool(parts.scheme and parts.netloc) and not parts.fragment and "#" not in uri


def origin_of(uri: str) -> str | None:
    """The web origin (RFC 6454 §6.1) of an http(s) URI: scheme, host and the port if it
    is not the scheme's default; None for any other URI."""
    parts = urlsplit(uri)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    suffix = f":{port}" if port is not None and port != DEFAULT_PORTS[parts.scheme] else ""
    return f"{parts.scheme}://{host}{suffix}"


def is_web_origin(value: str) -> bool:
    """Exactly an origin as browsers send it: no path, query, fragment or user info."""
    return origin_of(value) == value


def is_loopback_host(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def without_loopback_port(uri: str) -> str | None:
    """An http redirect URI on a loopback IP literal, with its port taken out; None for
    any other URI. RFC 8252 §7.3: the port of such a URI may differ from the registered
    one, and nothing else may (§8.3: not for ``localhost``, a name)."""
    parts = urlsplit(uri)
    if parts.scheme != "http" or parts.username is not None or parts.fragment or "#" in uri:
        return None
    try:
        parts.port  # noqa: B018  (a malformed port raises)
        address = ipaddress.ip_address(parts.hostname or "")
    except ValueError:
        return None
    if not address.is_loopback:
        return None
    host = f"[{address}]" if address.version == 6 else str(address)
    return urlunsplit(("http", host, parts.path, parts.query, ""))
