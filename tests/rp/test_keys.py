"""Discovery and the JWKS against a provider that counts requests: cached as HTTP
caching says (RFC 9111), refetched conditionally (RFC 9110 §13.1.2), once for an
unknown kid, by one caller at a time, at most once per interval; keys that cannot
be used are left out, the others kept."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from idp.rp import AsyncProvider, Provider, UnknownKey
from tests.rp.fake_idp import DISCOVERY, JWKS, Answer, fake_idp, new_key

API = "https://api.example"


@pytest.fixture
def fake():
    with fake_idp() as server:
        yield server


@pytest.fixture
def clock(fake):
    return fake.clock


@pytest.fixture
def sdk(fake, clock):
    with Provider(fake.issuer, clock=clock.now) as provider:
        yield provider


def test_discovery_and_jwks_are_fetched_once_while_fresh__rfc9111_s4_2(fake, sdk):
    for _ in range(50):
        sdk.validate_access_token(fake.token(), audience=API)
    assert fake.requests[DISCOVERY] == 1
    assert fake.requests[JWKS] == 1


def test_a_jwks_past_its_max_age_is_fetched_again_conditionally__rfc9110_s13_1_2(fake, sdk, clock):
    sdk.validate_access_token(fake.token(), audience=API)
    clock.advance(fake.jwks_max_age + 1)
    sdk.validate_access_token(fake.token(), audience=API)
    assert fake.requests[JWKS] == 2
    assert fake.not_modified[JWKS] == 1  # If-None-Match: the same ETag, 304
    sdk.validate_access_token(fake.token(), audience=API)
    assert fake.requests[JWKS] == 2  # the 304 made the copy fresh again


def test_an_unknown_kid_fetches_the_jwks_again_once__rfc7517_s5(fake, sdk):
    sdk.validate_access_token(fake.token(), audience=API)
    fake.keys.append(new_key())  # rotated in before the copy's max-age ran out
    assert sdk.validate_access_token(fake.token(key=fake.keys[1]), audience=API)
    assert fake.requests[JWKS] == 2
    with pytest.raises(UnknownKey):
        sdk.validate_access_token(fake.token(kid="never-published"), audience=API)
    assert fake.requests[JWKS] == 2  # within the refetch interval: no request


def test_a_flood_of_unknown_kids_costs_one_request_per_interval(fake, sdk, clock):
    sdk.validate_access_token(fake.token(), audience=API)
    for _ in range(200):
        with pytest.raises(UnknownKey):
            sdk.validate_access_token(fake.token(kid=uuid.uuid4().hex), audience=API)
    assert fake.requests[JWKS] == 2
    clock.advance(31)
    with pytest.raises(UnknownKey):
        sdk.validate_access_token(fake.token(kid=uuid.uuid4().hex), audience=API)
    assert fake.requests[JWKS] == 3


def test_threads_meeting_a_new_kid_share_one_fetch(fake, sdk):
    sdk.validate_access_token(fake.token(), audience=API)
    fake.keys.append(new_key())
    fake.answers[JWKS] = Answer(body=fake.jwks(), delay=0.3)
    token = fake.token(key=fake.keys[1])
    results, barrier = [], threading.Barrier(20)

    def validate():
        barrier.wait()
        results.append(sdk.validate_access_token(token, audience=API)["jti"])

    threads = [threading.Thread(target=validate) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 20
    assert fake.requests[JWKS] == 2
    assert fake.most_in_flight == 1


def test_tasks_meeting_a_new_kid_share_one_fetch(fake, clock):
    async def main():
        async with AsyncProvider(fake.issuer, clock=clock.now) as provider:
            await provider.validate_access_token(fake.token(), audience=API)
            fake.keys.append(new_key())
            fake.answers[JWKS] = Answer(body=fake.jwks(), delay=0.3)
            token = fake.token(key=fake.keys[1])
            return await asyncio.gather(
                *(provider.validate_access_token(token, audience=API) for _ in range(20))
            )

    assert len(asyncio.run(main())) == 20
    assert fake.requests[JWKS] == 2
    assert fake.most_in_flight == 1


def rsa_jwk(bits: int, kid: str) -> dict:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return {**RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid, "alg": "RS256"}


BAD_KEYS = {
    "not-an-object": "a string",
    "no-kty": {"kid": "no-kty", "x": "AA"},
    "unknown-kty": {"kid": "unknown-kty", "kty": "XYZ"},
    "bad-point": {"kid": "bad-point", "kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},
    "for-encryption": {**new_key().jwk, "kid": "for-encryption", "use": "enc"},
    "unknown-alg": {**new_key().jwk, "kid": "unknown-alg", "alg": "ES999"},
    "symmetric": {"kid": "symmetric", "kty": "oct", "k": "c2VjcmV0"},
    "rsa-1024": rsa_jwk(1024, "rsa-1024"),
}


def test_keys_that_cannot_be_used_are_skipped_and_the_good_kept__rfc7517_s5(fake, sdk):
    private = ec.generate_private_key(ec.SECP256R1())
    fake.extra_jwks = [
        *BAD_KEYS.values(),
        {**ECAlgorithm.to_jwk(private, as_dict=True), "kid": "private"},  # has "d"
        {**new_key().jwk, "kid": "twice"},
        {**new_key().jwk, "kid": "twice"},
    ]
    assert sdk.validate_access_token(fake.token(), audience=API)
    for kid in [*BAD_KEYS, "private", "twice"]:
        with pytest.raises(UnknownKey):
            sdk.validate_access_token(fake.token(kid=kid), audience=API)


def test_a_jwks_that_turns_to_garbage_keeps_the_keys_held__rfc5861_s4(fake, sdk, clock):
    sdk.validate_access_token(fake.token(), audience=API)
    fake.answers[JWKS] = Answer(
        body=b"<html>maintenance</html>", headers={"Cache-Control": "max-age=60"}
    )
    clock.advance(fake.jwks_max_age + 1)
    for _ in range(10):
        assert sdk.validate_access_token(fake.token(), audience=API)
    assert fake.requests[JWKS] == 2  # tried again after a while, not per token


def test_discovery_is_not_fetched_again_for_each_token(fake, sdk, clock):
    fake.answers[DISCOVERY] = Answer(
        body=json.dumps(fake.discovery()).encode(), headers={"Cache-Control": "max-age=600"}
    )
    sdk.validate_access_token(fake.token(), audience=API)
    clock.advance(fake.jwks_max_age + 1)
    sdk.validate_access_token(fake.token(), audience=API)
    assert fake.requests[DISCOVERY] == 1
    clock.advance(600)
    sdk.validate_access_token(fake.token(), audience=API)
    assert fake.requests[DISCOVERY] == 2
