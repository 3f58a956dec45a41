"""idp.keys.publication: a new signing key is published long enough before it signs
that every node (IDP_KEY_CACHE_TTL) and every verifier (the JWKS max-age) has it first
(RFC 7517 §5; OIDC Core §10.1.1)."""

from __future__ import annotations

import pytest

from idp.keys.publication import JWKS_MAX_AGE, minimum_publish_delay


def test_the_jwks_max_age_is_a_minute():
    assert JWKS_MAX_AGE == 60


@pytest.mark.parametrize(("key_cache_ttl", "floor"), [(1, 61), (30, 90), (600, 660), (3600, 3660)])
def test_the_floor_is_the_key_cache_ttl_plus_the_jwks_max_age__oidc_core_s10_1_1(
    key_cache_ttl, floor
):
    assert minimum_publish_delay(key_cache_ttl) == floor


def test_the_floor_grows_with_the_key_cache_ttl():
    assert minimum_publish_delay(31) == minimum_publish_delay(30) + 1
