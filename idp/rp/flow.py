"""The SDK's logic does no I/O of its own (sans-I/O): each operation that may need the
network is a *flow*, a generator that yields the steps below and receives their
results. ``Provider`` runs flows with httpx.Client and threads, ``AsyncProvider`` with
httpx.AsyncClient and tasks; that is the only difference between the two.

A step that fails on the network is thrown into the flow as ``ProviderUnavailable``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote_plus

T = TypeVar("T")

MAX_BODY = 1 << 20  # bytes of a document answered by the provider


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """Sent as is: no redirect is followed, the answer is cut at ``max_bytes``."""

    url: str
    purpose: str  # what is fetched, for messages: "JWKS", "discovery", ...
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] | None = None
    json: Any = None
    max_bytes: int = MAX_BODY


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]  # names in lower case, repeated fields joined with ", "
    body: bytes


@dataclass(frozen=True, slots=True)
class Exclusive(Generic[T]):
    """Run ``flow`` while holding the lock ``name`` (one at a time across threads, or
    tasks). With ``wait=False`` the step returns None at once if the lock is held."""

    name: str
    flow: Flow[T]
    wait: bool = True


@dataclass(frozen=True, slots=True)
class Subscribe:
    """Open a streamed response (Server-Sent Events); its body is read by ReadChunk
    until Unsubscribe, or the end of the run. The result is its status and headers."""

    request: HttpRequest
    read_timeout: float


@dataclass(frozen=True, slots=True)
class ReadChunk:
    """The next bytes of the open subscription; b"" when it ended."""


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    pass


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait, unless the run is asked to stop; the result is True when it is."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Compute(Generic[T]):
    """Work for the CPU (compiling a policy bundle): run at once by ``Provider``, in a
    worker thread by ``AsyncProvider``, so that the event loop is not held. ``work``
    does not raise: it returns what went wrong as its result."""

    work: Callable[[], T]


Step = HttpRequest | Exclusive[Any] | Compute[Any] | Subscribe | ReadChunk | Unsubscribe | Sleep
Flow = Generator[Step, Any, T]


def basic_authorization(client_id: str, client_secret: str) -> str:
    """RFC 6749 §2.3.1: both form-urlencoded, then HTTP Basic (RFC 7617)."""
    credentials = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
    return "Basic " + base64.b64encode(credentials.encode()).decode()
