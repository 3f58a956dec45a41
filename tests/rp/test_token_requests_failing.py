"""A token endpoint that is down, slow, refuses, or answers garbage: a client
credentials token or a token exchange ends, within the timeout, in TokenRequestFailed
(an RFC 6749 §5.2 error response) or ProviderUnavailable (anything else), never in
another exception, a hang, or a token handed out."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import time

import pytest

from idp.rp import AsyncProvider, Provider, ProviderUnavailable
from idp.rp.errors import TokenRequestFailed
from idp.rp.token_exchange import ACCESS_TOKEN_TYPE
from tests.rp.fake_idp import TIMEOUT, Answer
from tests.support.race import all_at_once

TOKEN = "/token"
SECRET = "s3cret-value-never-shown"
CALLERS = 10


def token_answer(status: int = 200, **members: object) -> Answer:
    return Answer(status, json.dumps(members).encode(), {"Cache-Control": "no-store"})


def bearer(**changes: object) -> Answer:
    members = {"access_token": "at-1", "token_type": "Bearer", "expires_in": 300, **changes}
    return token_answer(**{name: value for name, value in members.items() if value is not None})


def fails(call, kind: type[Exception], seconds: float = 2) -> Exception:
    started = time.monotonic()
    with pytest.raises(kind) as failed:
        call()
    assert time.monotonic() - started < seconds
    assert SECRET not in str(failed.value)
    assert SECRET not in repr(failed.value)
    return failed.value


def test_the_request_is_client_secret_basic_with_the_parameters__rfc6749_s4_4_2(fake, sdk):
    fake.answers[TOKEN] = bearer(token_type="bearer")  # RFC 6749 §5.1: case-insensitive
    service = sdk.client_credentials("svc 1", SECRET, scope=["a", "b"], resource="https://r.ex")
    assert service.access_token() == "at-1"
    [posted] = fake.posted
    assert posted.form == {
        "grant_type": "client_credentials",
        "scope": "a b",
        "resource": "https://r.ex",
    }
    # RFC 6749 §2.3.1: each form-urlencoded, then Basic
    assert posted.authorization == "Basic " + base64.b64encode(b"svc+1:" + SECRET.encode()).decode()


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"client_id": ""}, "client_id"),
        ({"client_secret": ""}, "client_secret"),
        ({"refresh_before": -1}, "refresh_before"),
    ],
)
def test_a_bad_argument_is_a_value_error_at_once(fake, sdk, options, named):
    arguments = {"client_id": "svc", "client_secret": SECRET, **options}
    with pytest.raises(ValueError, match=named):
        sdk.client_credentials(**arguments)
    assert fake.requests == {}


def test_a_provider_that_is_down():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        issuer = f"http://127.0.0.1:{unused.getsockname()[1]}"
    with Provider(issuer, timeout=TIMEOUT) as sdk:
        fails(sdk.client_credentials("svc", SECRET).access_token, ProviderUnavailable)
        exchange = lambda: sdk.exchange_token("t", client_id="svc", client_secret=SECRET)  # noqa: E731
        fails(exchange, ProviderUnavailable)


def test_a_token_endpoint_that_does_not_answer_in_time(fake, sdk):
    fake.answers[TOKEN] = Answer(body=bearer().body, delay=5)
    fails(sdk.client_credentials("svc", SECRET).access_token, ProviderUnavailable)


def test_discovery_without_a_token_endpoint(fake, sdk):
    document = {**fake.discovery(), "token_endpoint": None}
    fake.answers["/.well-known/openid-configuration"] = Answer(body=json.dumps(document).encode())
    fails(sdk.client_credentials("svc", SECRET).access_token, ProviderUnavailable)
    assert fake.posted == []


GARBAGE = {
    "not JSON": Answer(body=b"<html>Service Unavailable</html>"),
    "a JSON array": Answer(body=b'["access_token"]'),
    "duplicate members": Answer(
        body=b'{"access_token": "a", "access_token": "b", "token_type": "Bearer", "expires_in": 1}'
    ),
    "no access_token": bearer(access_token=None),
    "an empty access_token": bearer(access_token=""),
    "an access_token not a string": bearer(access_token=["at-1"]),
    "an access_token with a line break": bearer(access_token="at-1\r\nX-Injected: 1"),
    "no token_type": bearer(token_type=None),
    "a DPoP token_type": bearer(token_type="DPoP"),
    "token_type N_A": bearer(token_type="N_A"),  # for token exchange only (RFC 8693)
    "no expires_in": bearer(expires_in=None),
    "expires_in a string": bearer(expires_in="300"),
    "expires_in zero": bearer(expires_in=0),
    "expires_in negative": bearer(expires_in=-1),
    "expires_in true": bearer(expires_in=True),
    "HTTP 500": token_answer(500, error="server_error"),
    "HTTP 503": Answer(503, b""),
    "HTTP 302": Answer(302, b"", {"Location": "https://evil.example/token"}),
    "HTTP 400 without an error": token_answer(400, error_description="no code"),
    "HTTP 400 with a numeric error": token_answer(400, error=400),
    "HTTP 400 not JSON": Answer(400, b"Bad Request"),
    "a huge body": bearer(access_token="a" * (1 << 17)),
}


@pytest.mark.parametrize("answer", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_is_provider_unavailable_and_no_token(fake, sdk, answer):
    fake.answers[TOKEN] = answer
    fails(sdk.client_credentials("svc", SECRET).access_token, ProviderUnavailable)


@pytest.mark.parametrize(
    ("status", "error"), [(400, "invalid_grant"), (400, "invalid_scope"), (401, "invalid_client")]
)
def test_an_error_response_is_token_request_failed__rfc6749_s5_2(fake, sdk, status, error):
    fake.answers[TOKEN] = token_answer(status, error=error, error_description="told why")
    failed = fails(sdk.client_credentials("svc", SECRET).access_token, TokenRequestFailed)
    assert (failed.error, failed.description) == (error, "told why")
    assert error in str(failed)


def test_an_error_description_out_of_its_charset_is_dropped__rfc6749_s5_2(fake, sdk):
    fake.answers[TOKEN] = token_answer(400, error="invalid_grant", error_description='a "quote"')
    failed = fails(sdk.client_credentials("svc", SECRET).access_token, TokenRequestFailed)
    assert (failed.error, failed.description) == ("invalid_grant", None)


def test_waiting_callers_share_the_one_failure(fake, sdk):
    """Single-flight holds for failures too: one request, each caller its refusal."""
    fake.answers[TOKEN] = Answer(401, b'{"error": "invalid_client"}', delay=0.2)
    service = sdk.client_credentials("svc", SECRET)

    def call() -> Exception | str:
        try:
            return service.access_token()
        except TokenRequestFailed as exc:
            return exc

    outcomes = all_at_once([call] * CALLERS)
    assert {type(outcome) for outcome in outcomes} == {TokenRequestFailed}
    assert len({id(outcome) for outcome in outcomes}) == CALLERS  # each its own exception
    assert fake.requests[TOKEN] == 1


def test_waiting_callers_do_not_queue_behind_a_slow_provider(fake, sdk):
    fake.answers[TOKEN] = Answer(body=bearer().body, delay=5)
    service = sdk.client_credentials("svc", SECRET)

    def call() -> Exception | str:
        try:
            return service.access_token()
        except ProviderUnavailable as exc:
            return exc

    started = time.monotonic()
    outcomes = all_at_once([call] * CALLERS)
    assert time.monotonic() - started < 2 * TIMEOUT + 1  # not CALLERS timeouts in a row
    assert {type(outcome) for outcome in outcomes} == {ProviderUnavailable}
    assert fake.requests[TOKEN] == 1


def test_an_async_provider_fails_the_same_way(fake):
    fake.answers[TOKEN] = bearer(token_type="mac")

    async def main() -> list[BaseException | str]:
        async with AsyncProvider(fake.issuer, clock=fake.clock.now, timeout=TIMEOUT) as sdk:
            service = sdk.client_credentials("svc", SECRET)
            calls = (service.access_token() for _ in range(CALLERS))
            return await asyncio.gather(*calls, return_exceptions=True)

    outcomes = asyncio.run(main())
    assert {type(outcome) for outcome in outcomes} == {ProviderUnavailable}
    assert fake.requests[TOKEN] == 1


# Token exchange (RFC 8693).


def exchanged(**changes: object) -> Answer:
    return bearer(**{"issued_token_type": ACCESS_TOKEN_TYPE, **changes})


def exchange(sdk: Provider, **options: str):
    return sdk.exchange_token("subject-1", client_id="svc", client_secret=SECRET, **options)


def test_the_exchange_request_has_the_parameters_given__rfc8693_s2_1(fake, sdk):
    fake.answers[TOKEN] = exchanged(scope="b", refresh_token="rt-1", expires_in=None)
    issued = exchange(sdk, audience="billing", scope="b", actor_token="actor-1")
    assert fake.posted[0].form == {
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token": "subject-1",
        "subject_token_type": ACCESS_TOKEN_TYPE,
        "actor_token": "actor-1",
        "actor_token_type": ACCESS_TOKEN_TYPE,  # §2.1: required with an actor token
        "audience": "billing",
        "scope": "b",
    }
    assert (issued.access_token, issued.refresh_token, issued.scope) == ("at-1", "rt-1", "b")
    assert issued.expires_in is None  # §2.2.1: RECOMMENDED only
    assert "at-1" not in repr(issued)
    assert "rt-1" not in repr(issued)


def test_an_issued_token_that_is_no_access_token_is_n_a__rfc8693_s2_2_1(fake, sdk):
    jwt_type = "urn:ietf:params:oauth:token-type:jwt"
    fake.answers[TOKEN] = exchanged(issued_token_type=jwt_type, token_type="n_a")
    issued = exchange(sdk, audience="billing", requested_token_type=jwt_type)
    assert (issued.issued_token_type, issued.token_type) == (jwt_type, "N_A")
    assert fake.posted[0].form["requested_token_type"] == jwt_type


@pytest.mark.parametrize(
    "answer",
    [
        exchanged(issued_token_type=None),
        exchanged(issued_token_type=7),
        exchanged(token_type="DPoP"),
        exchanged(scope=["b"]),
        exchanged(expires_in="300"),
        GARBAGE["not JSON"],
    ],
    ids=[
        "no issued_token_type",
        "issued_token_type 7",
        "DPoP",
        "scope a list",
        "expires_in text",
        "not JSON",
    ],
)
def test_a_malformed_exchange_response_is_provider_unavailable__rfc8693_s2_2_1(fake, sdk, answer):
    fake.answers[TOKEN] = answer
    fails(lambda: exchange(sdk, audience="billing"), ProviderUnavailable)


@pytest.mark.parametrize("error", ["invalid_grant", "invalid_target", "invalid_request"])
def test_a_refused_exchange_is_token_request_failed__rfc8693_s2_2_2(fake, sdk, error):
    fake.answers[TOKEN] = token_answer(400, error=error)
    failed = fails(lambda: exchange(sdk, audience="billing"), TokenRequestFailed)
    assert failed.error == error
    assert "subject-1" not in str(failed)
