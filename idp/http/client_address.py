"""The caller's address: the peer's, unless the peer is a trusted reverse proxy
(IDP_TRUSTED_PROXIES); then the right-most address of ``X-Forwarded-For`` that no
trusted proxy added. Everything left of it may have been written by the caller
(RFC 7239 §7.4), so it is never believed. Throttling and SSO sessions both use it."""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from starlette.requests import Request

Network = IPv4Network | IPv6Network
UNKNOWN = "unknown"


def client_address(request: Request, trusted_proxies: Sequence[Network]) -> str:
    peer = request.client.host if request.client else UNKNOWN
    if not _trusted(peer, trusted_proxies):
        return peer
    hops = [hop.strip() for hop in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    for hop in reversed(hops):
        if not _trusted(hop, trusted_proxies):
            return hop if _parsed(hop) else peer  # garbage from the caller: the proxy's
    return peer  # every hop a proxy of ours: the request began inside


def _trusted(address: str, trusted_proxies: Sequence[Network]) -> bool:
    parsed = _parsed(address)
    return parsed is not None and any(parsed in network for network in trusted_proxies)


def _parsed(address: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(address)
    except ValueError:
        return None
