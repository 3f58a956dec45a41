"""A provider that is down, slow, or answers garbage: every validation ends, within
the timeout, in ProviderUnavailable (a TokenError whose ``error`` is None: answer 503),
never in another exception, a hang, or an acceptance."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import time

import pytest

from idp.rp import AsyncProvider, Provider, ProviderUnavailable
from tests.rp.fake_idp import DISCOVERY, JWKS, TIMEOUT, Answer, fake_idp

API = "https://api.example"


def refused_within(sdk, token: str, seconds: float) -> ProviderUnavailable:
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable) as refused:
        sdk.validate_access_token(token, audience=API)
    assert time.monotonic() - started < seconds
    assert refused.value.error is None
    assert refused.value.status_code == 503
    return refused.value


def test_a_provider_that_is_down():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        issuer = f"http://127.0.0.1:{unused.getsockname()[1]}"
    with fake_idp() as fake, Provider(issuer, timeout=TIMEOUT) as sdk:
        refused_within(sdk, fake.token(), 2)


def test_a_provider_that_does_not_answer_in_time(fake, sdk):
    fake.answers[DISCOVERY] = Answer(body=json.dumps(fake.discovery()).encode(), delay=5)
    refused_within(sdk, fake.token(), 2)


def test_a_provider_that_drips_its_answer_is_cut_at_the_timeout(fake, sdk):
    fake.answers[JWKS] = Answer(body=fake.jwks(), drip=0.05)  # each byte in time, not all
    refused_within(sdk, fake.token(), 2)


def test_after_a_failure_the_provider_is_asked_again_later_not_per_token(fake, sdk):
    fake.answers[DISCOVERY] = Answer(500, b"{}")
    for _ in range(20):
        refused_within(sdk, fake.token(), 2)
    assert fake.requests[DISCOVERY] == 1
    del fake.answers[DISCOVERY]
    fake.clock.advance(6)
    assert sdk.validate_access_token(fake.token(), audience=API)


def discovery_with(fake, **changes) -> bytes:
    document = {**fake.discovery(), **changes}
    return json.dumps(
        {name: value for name, value in document.items() if value is not None}
    ).encode()


GARBAGE_DISCOVERY = {
    "not JSON": lambda fake: b"<html>Service Unavailable</html>",
    "an array": lambda fake: b"[]",
    "duplicate members": lambda fake: discovery_with(fake)[:-1] + b', "issuer": "x"}',
    "another issuer": lambda fake: discovery_with(fake, issuer="https://evil.example"),
    "no jwks_uri": lambda fake: discovery_with(fake, jwks_uri=None),
    "a plain-http jwks_uri": lambda fake: discovery_with(fake, jwks_uri="http://example.com/j"),
    "no algorithms": lambda fake: discovery_with(fake, id_token_signing_alg_values_supported=None),
    "too large": lambda fake: b'{"a": "' + b"x" * (2 << 20) + b'"}',
}


@pytest.mark.parametrize("body", GARBAGE_DISCOVERY.values(), ids=GARBAGE_DISCOVERY.keys())
def test_a_discovery_document_that_is_garbage__oidc_discovery_s4_3(fake, sdk, body):
    fake.answers[DISCOVERY] = Answer(body=body(fake))
    refused_within(sdk, fake.token(), 2)


def test_a_provider_that_answers_only_its_algorithms_none_and_hmac__rfc8725_s3_1(fake, sdk):
    """The fake lists HS256 and none too: only asymmetric algorithms count."""
    assert set(fake.discovery()["id_token_signing_alg_values_supported"]) >= {"HS256", "none"}
    assert sdk.validate_access_token(fake.token(), audience=API)


GARBAGE_JWKS = {
    "not JSON": Answer(body=b"\x00\x01binary"),
    "no keys array": Answer(body=b'{"keys": "none"}'),
    "server error": Answer(500, b'{"keys": []}'),
    "gzip-encoded": Answer(
        body=gzip.compress(b'{"keys": []}'), headers={"Content-Encoding": "gzip"}
    ),
    "a redirect": Answer(302, headers={"Location": "https://example.com/jwks"}),
}


@pytest.mark.parametrize("answer", GARBAGE_JWKS.values(), ids=GARBAGE_JWKS.keys())
def test_a_jwks_that_is_garbage__rfc7517_s5(fake, sdk, answer):
    fake.answers[JWKS] = answer
    refused_within(sdk, fake.token(), 2)


def test_the_async_provider_times_out_too(fake):
    fake.answers[JWKS] = Answer(body=fake.jwks(), delay=5)

    async def validate():
        async with AsyncProvider(fake.issuer, timeout=TIMEOUT, clock=fake.clock.now) as sdk:
            return await sdk.validate_access_token(fake.token(), audience=API)

    started = time.monotonic()
    with pytest.raises(ProviderUnavailable):
        asyncio.run(validate())
    assert time.monotonic() - started < 2


def test_the_async_provider_is_not_fooled_by_a_drip(fake):
    fake.answers[JWKS] = Answer(body=fake.jwks(), drip=0.05)

    async def validate():
        async with AsyncProvider(fake.issuer, timeout=TIMEOUT, clock=fake.clock.now) as sdk:
            return await sdk.validate_access_token(fake.token(), audience=API)

    started = time.monotonic()
    with pytest.raises(ProviderUnavailable):
        asyncio.run(validate())
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "issuer",
    [
        "http://idp.example",
        "ftp://idp.example",
        "https://idp.example?x=1",
        "https://",
        "idp.example",
    ],
)
def test_an_issuer_that_is_no_https_url_is_refused_at_once__oidc_discovery_s2(issuer):
    with pytest.raises(ValueError, match="issuer"):
        Provider(issuer)
