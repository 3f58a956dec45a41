"""The one HTTP client for requests Tessera makes to others (back-channel logout, SET
push delivery, and later metadata fetches): short timeouts, no redirects, a cap on what
it reads back, and no private, loopback or link-local targets unless the operator
allows them (IDP_OUTBOUND_ALLOW_PRIVATE), so a registered URI cannot aim the IdP at
its own network (OWASP SSRF Prevention Cheat Sheet). The name is resolved once per
connection and the connection made to an address that passed the check, so a name that
resolves to a public address for the check and a private one a moment later (DNS
rebinding) reaches nothing it should not; TLS still checks the certificate against the
name."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

MAX_RESPONSE_BYTES = 64 * 1024
TIMEOUT = httpx.Timeout(5.0, connect=3.0)  # each connect, write and read
TOTAL_TIMEOUT = 10.0  # the whole exchange: a receiver that drips its answer is cut off


class OutboundRefusedError(Exception):
    """The request was not sent, or its answer not read: the message says why."""


class ForbiddenTargetError(OutboundRefusedError):
    """The URL itself is refused (not http(s), or a non-public address): sending again
    cannot help until the operator changes it or the setting."""


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: bytes

    def error_code(self) -> str | None:
        """``err`` of a JSON error body (RFC 8935 §2.3), if there is one."""
        try:
            document = json.loads(self.body)
        except ValueError:
            return None
        error = document.get("err") if isinstance(document, dict) else None
        return error if isinstance(error, str) else None


@dataclass(frozen=True)
class OutboundClient:
    """Blocking, for worker threads; each call runs on an event loop of its own, which
    is what bounds the whole exchange (httpx's timeouts bound each step)."""

    allow_private: bool = False
    resolve: Resolver = field(default=socket.getaddrinfo, repr=False)
    # Exact URLs allowed although private (``idp serve --demo``'s example app, on a
    # loopback address literal: no name to resolve, so nothing else can be reached).
    private_targets: frozenset[str] = frozenset()
    max_response_bytes: int = MAX_RESPONSE_BYTES
    total_timeout: float = TOTAL_TIMEOUT

    def post(
        self,
        url: str,
        *,
        form: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """POST a form or ``content``, with ``headers``."""
        self.check_target(url)
        request = {"data": dict(form) if form is not None else None, "content": content}
        try:
            return asyncio.run(self._post(url, request, dict(headers or {})))
        except TimeoutError:
            raise OutboundRefusedError(
                f"no complete answer within {self.total_timeout:g} s"
            ) from None
        except httpx.HTTPError as error:
            raise OutboundRefusedError(f"{type(error).__name__}: {error}") from None

    async def _post(self, url: str, request: dict[str, Any], headers: dict[str, str]) -> Answer:
        async with (
            asyncio.timeout(self.total_timeout),
            httpx.AsyncClient(
                timeout=TIMEOUT,
                follow_redirects=False,
                trust_env=False,
                transport=None
                if self._exempt(url)
                else pinned_transport(partial(public_addresses, self.resolve)),
            ) as http,
            http.stream("POST", url, headers=headers, **request) as response,
        ):
            return Answer(response.status_code, await self._read_capped(response))

    def check_target(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ForbiddenTargetError(f"not an http(s) URL: {url!r}")
        if self._exempt(url):
            return
        public_addresses(self.resolve, parts.hostname, parts.port or 443)

    def _exempt(self, url: str) -> bool:
        """Sent without the address check: the operator allows private targets, or
        this exact URL."""
        return self.allow_private or url in self.private_targets

    async def _read_capped(self, response: httpx.Response) -> bytes:
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > self.max_response_bytes:
                raise OutboundRefusedError(
                    f"answer larger than {self.max_response_bytes} bytes; not read further"
                )
        return bytes(body)


Resolver = Callable[..., Sequence[tuple[Any, ...]]]  # socket.getaddrinfo's shape
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def public_addresses(resolve: Resolver, host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to, all of them public; else refused."""
    try:
        infos = resolve(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise OutboundRefusedError(f"cannot resolve {host!r}: {error}") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    for address in addresses:
        if not address.is_global:
            raise ForbiddenTargetError(
                f"{host!r} resolves to the non-public address {address} "
                "(IDP_OUTBOUND_ALLOW_PRIVATE allows it)"
            )
    return addresses


AddressCheck = Callable[[str, int], list[IPAddress]]


class CheckedAddresses(httpcore.AsyncNetworkBackend):
    """Connects to the addresses ``check`` gives for a name (one resolution, checked),
    in turn, never to the name itself (which would be resolved again)."""

    def __init__(self, check: AddressCheck) -> None:
        self._check = check
        self._network = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await asyncio.to_thread(self._check, host, port)
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return await self._network.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as error:
                failure = error
        raise failure or httpcore.ConnectError(f"no address for {host!r}")

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)


def pinned_transport(check: AddressCheck) -> httpx.AsyncHTTPTransport:
    """httpx's transport, its connections made by CheckedAddresses (httpx takes no
    network backend of its own; its connection pool does)."""
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        network_backend=CheckedAddresses(check),
    )
    return transport
