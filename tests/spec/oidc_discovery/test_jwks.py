"""RFC 7517 §4, §5 and OIDC Discovery §3 jwks_uri: the published signing keys."""

from __future__ import annotations

import httpx

from tests.support.assertions import jwks

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def test_jwks_is_served_as_a_jwk_set__rfc7517_s8_5(idp):
    response = httpx.get(f"{idp.base_url}/jwks", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jwk-set+json")


def test_jwks_has_an_es256_and_an_rs256_signing_key__rfc7517_s5(idp):
    keys = jwks(idp)["keys"]
    assert {("EC", "ES256"), ("RSA", "RS256")} <= {(key["kty"], key.get("alg")) for key in keys}
    assert {key.get("use", "sig") for key in keys} == {"sig"}


def test_kids_are_unique__rfc7517_s4_5(idp):
    kids = [key["kid"] for key in jwks(idp)["keys"]]
    assert all(kids)
    assert len(kids) == len(set(kids))


def test_no_private_or_symmetric_key_members__oidc_discovery_s3(idp):
    for key in jwks(idp)["keys"]:
        assert not PRIVATE_MEMBERS & set(key), key["kid"]
