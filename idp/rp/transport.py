"""What the two drivers (idp.rp.provider, idp.rp.aio) share about httpx: how a step's
request is built, how an answer is read back, and what a failure becomes."""

from __future__ import annotations

import httpx

from idp.rp.errors import ProviderUnavailable
from idp.rp.flow import HttpRequest, HttpResponse

DEFAULT_TIMEOUT = 5.0  # s, for every request: connect, each read, and the whole
IDENTITY = {"Accept-Encoding": "identity"}  # answers are capped as sent: none is inflated


def build_request(
    http: httpx.Client | httpx.AsyncClient, step: HttpRequest, timeout: httpx.Timeout
) -> httpx.Request:
    return http.build_request(
        step.method,
        step.url,
        headers={**IDENTITY, **step.headers},
        data=step.form,
        json=step.json,
        timeout=timeout,
    )


def check_encoding(response: httpx.Response, step: HttpRequest) -> None:
    if response.headers.get("content-encoding", "identity") != "identity":
        raise ProviderUnavailable(f"the provider's {step.purpose} came content-encoded")


def check_size(body: bytearray, step: HttpRequest, late: bool) -> None:
    if len(body) > step.max_bytes or late:
        raise ProviderUnavailable(f"the provider's {step.purpose} is too large or too slow")


def answer(response: httpx.Response, body: bytes = b"") -> HttpResponse:
    # Header names in lower case, repeated fields joined with ", ".
    return HttpResponse(response.status_code, dict(response.headers.items()), body)


def unavailable(step: HttpRequest, exc: httpx.HTTPError) -> ProviderUnavailable:
    return ProviderUnavailable(f"the provider's {step.purpose}: {type(exc).__name__}")


def cut(exc: httpx.HTTPError) -> ProviderUnavailable:
    return ProviderUnavailable(f"the subscription was cut: {type(exc).__name__}")
