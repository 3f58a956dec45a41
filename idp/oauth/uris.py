"""Rules on the URIs clients register and send: absolute URIs without a fragment
(RFC 3986 §4.3, as RFC 6749 §3.1.2 and RFC 8707 §2 require), the loopback redirect
URIs of native apps, whose port may vary (RFC 8252 §7.3), and web origins (RFC 6454)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

DEFAULT_PORTS = {"https": 443, "http": 80}
LOOPBACK_REDIRECT = re.compile(
    r"http://(?P<host>127\.0\.0\.1|\[::1\])(?::(?P<port>[0-9]{1,5}))?(?P<rest>[/?][^#]*)?"
)
SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")  # RFC 3986 §3.1 (urlsplit lowercases it)


def is_absolute_without_fragment(uri: str) -> bool:
    """RFC 3986 §4.3: a scheme and a hierarchical part (an authority is not required:
    ``urn:example:orders`` is one), no fragment."""
    parts = urlsplit(uri)
    has_rest = bool(parts.netloc or parts.path.strip("/"))
    return bool(SCHEME.fullmatch(parts.scheme)) and has_rest and "#" not in uri


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
    """An http redirect URI on a loopback IP literal (127.0.0.1 or [::1], spelled so),
    with its port taken out; None for any other URI. RFC 8252 §7.3: the port of such a
    URI may differ from the registered one, and nothing else may, not even its spelling
    (§8.3: not ``localhost``, a name)."""
    match = LOOPBACK_REDIRECT.fullmatch(uri)
    if match is None or (match["port"] and not 0 < int(match["port"]) < 65536):
        return None
    return f"http://{match['host']}{match['rest'] or ''}"
