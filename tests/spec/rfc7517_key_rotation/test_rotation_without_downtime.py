"""Key rotation without downtime (RFC 7517 §5, OIDC Core §10.1.1): the next key is
published before it signs, the previous one stays published until every token it
signed has expired, then it goes. A relying party that caches the JWKS and refreshes
it only when it meets an unknown kid never fails to verify."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from idp.revocation.records import MAX_TOKEN_LIFETIME
from tests.support.client_requests import post_form
from tests.support.databases import database_url
from tests.support.flows import register
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


@pytest.fixture
def service(idp):
    client, secret = register(idp, grant_types=["client_credentials"], scope="orders:read")
    return client.client_id, secret


def mint(idp, service) -> str:
    response = post_form(idp, "/token", {"grant_type": "client_credentials"}, auth=service)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def published_kids(idp) -> list[str]:
    return [key["kid"] for key in httpx.get(f"{idp.base_url}/jwks").json()["keys"]]


def test_tokens_verify_through_two_rotations__rfc7517_s5(idp, service):
    # Caches the JWKS for ever and refetches only for an unknown kid. Its refetch
    # cooldown runs on real time, which this test compresses, so it is turned off.
    relying_party = jwt.PyJWKClient(
        f"{idp.base_url}/jwks", cache_jwk_set=True, lifespan=10**9, cooldown_duration=0
    )
    first_kids = set(published_kids(idp))
    signing_kids, failures, previous = set(), [], None
    for _ in range((2 * PERIOD + 2 * PUBLISH_DELAY) // STEP + 1):
        token = mint(idp, service)
        for candidate in filter(None, (token, previous)):
            try:
                key = relying_party.get_signing_key_from_jwt(candidate).key
                jwt.decode(
                    candidate,
                    key,
                    algorithms=["ES256"],
                    audience=idp.base_url,
                    # The relying party keeps real time; the IdP's clock is moved ahead.
                    options={"verify_iat": False},
                )
            except jwt.PyJWTError as exc:
                failures.append(repr(exc))
        signing_kids.add(jwt.get_unverified_header(token)["kid"])
        previous = token
        idp.clock.advance(STEP)
        idp.provider.rotate_keys_if_due()
    assert failures == []
    assert len(signing_kids) == 3  # the first key and two rotated-in ones
    assert first_kids <= set(published_kids(idp))  # still published: tokens may live


def test_next_key_is_published_before_it_signs__rfc7517_s5(idp, service):
    before = set(published_kids(idp))
    idp.clock.advance(PERIOD)
    idp.provider.rotate_keys_if_due()
    idp.clock.advance(1)  # past the key cache lifetime
    published = set(published_kids(idp))
    assert len(published - before) == 2  # one ES256 and one RS256 key, not signing yet
    assert jwt.get_unverified_header(mint(idp, service))["kid"] not in published - before
    idp.clock.advance(PUBLISH_DELAY)
    assert jwt.get_unverified_header(mint(idp, service))["kid"] in published - before


def test_retired_keys_leave_the_jwks_once_their_tokens_expired(idp, service):
    retired = set(published_kids(idp))
    idp.clock.advance(PERIOD)
    idp.provider.rotate_keys_if_due()
    idp.clock.advance(PUBLISH_DELAY + MAX_TOKEN_LIFETIME + 1)
    idp.provider.rotate_keys_if_due()
    assert not retired & set(published_kids(idp))


def test_rotation_is_scheduled_on_its_own(idp, service):
    """No one calls rotate: the server's own scheduler notices the period has passed."""
    before = set(published_kids(idp))
    idp.clock.advance(PERIOD + 1)
    deadline = time.monotonic() + 10
    while set(published_kids(idp)) <= before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert set(published_kids(idp)) - before


def test_a_rotation_changes_the_jwks_etag__rfc9110_s8_8_3(idp, service):
    """A relying party revalidating its cached JWKS (If-None-Match) gets the new keys."""
    before = httpx.get(f"{idp.base_url}/jwks").headers["etag"]
    idp.clock.advance(PERIOD)
    idp.provider.rotate_keys_if_due()
    idp.provider.refresh_keys()  # as the node's refresher does every key_cache_ttl
    after = httpx.get(f"{idp.base_url}/jwks", headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after.headers["etag"] != before
