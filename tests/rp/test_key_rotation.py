"""Key rotation while tokens are validated without pause (RFC 7517 §5, OIDC Core
§10.1.1): Tessera publishes the next key before it signs with it, and the SDK, which
keeps the JWKS as its max-age says, has it in time: not one validation fails."""

from __future__ import annotations

import threading
from collections import Counter

import jwt
import pytest

from idp.rp import Provider, TokenError
from tests.support.databases import database_url
from tests.support.polling import eventually
from tests.support.relying_party import service_app, service_token
from tests.support.server import running_idp

PERIOD, PUBLISH_DELAY, STEP = 1000, 200, 100


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    directory = tmp_path_factory.mktemp("rotation")
    with (
        database_url("sqlite", directory) as url,
        running_idp(
            url,
            directory,
            key_rotation_period=PERIOD,
            key_publish_delay=PUBLISH_DELAY,
            key_cache_ttl=1,
        ) as server,
    ):
        yield server


def kid_of(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def test_rotations_during_continuous_validation_fail_nothing__rfc7517_s5(idp, provider):
    service = service_app(idp, resources=[])
    tokens = [service_token(idp, service)]
    failures: list[str] = []
    validated: Counter[str] = Counter()  # by token
    stop = threading.Event()

    def validate_without_pause() -> None:
        while not stop.is_set():
            for token in tokens[-2:]:  # the newest and the one before
                try:
                    provider.validate_access_token(token, audience=idp.issuer)
                    validated[token] += 1
                except TokenError as exc:
                    failures.append(repr(exc))

    validator = threading.Thread(target=validate_without_pause)
    validator.start()
    try:
        for _ in range((2 * PERIOD + 2 * PUBLISH_DELAY) // STEP + 1):
            idp.clock.advance(STEP)
            idp.provider.rotate_keys_if_due()
            tokens.append(service_token(idp, service))
            assert eventually(lambda: validated[tokens[-1]] > 0)
    finally:
        stop.set()
        validator.join(10)
    assert failures == []
    assert len({kid_of(token) for token in tokens}) == 3  # the first key, two rotated in
    assert sum(validated.values()) > len(tokens)


def test_an_old_key_still_published_verifies_its_tokens__rfc7517_s5(idp):
    service = service_app(idp, resources=[], access_token_ttl=PERIOD + PUBLISH_DELAY + 60)
    old = service_token(idp, service)
    idp.clock.advance(PERIOD)
    idp.provider.rotate_keys_if_due()
    idp.clock.advance(PUBLISH_DELAY)
    new = service_token(idp, service)
    assert kid_of(new) != kid_of(old)
    with Provider(idp.base_url, clock=idp.clock.now) as fresh:  # never saw the old JWKS
        assert fresh.validate_access_token(new, audience=idp.issuer)
        assert fresh.validate_access_token(old, audience=idp.issuer)
