"""RFC 7523 §2.2, §3 (OIDC Core §9 private_key_jwt): clients authenticate at the token
endpoint with a JWT signed by a key from the JWKS they registered."""

from __future__ import annotations

import pytest

from tests.spec.rfc7523_client_auth.assertions import (
    ClientKey,
    client_assertion,
    jwt_client,
    redeem_with_assertion,
)
from tests.support.assertions import assert_invalid_client
from tests.support.client_requests import redeem
from tests.support.flows import register
from tests.support.sign_in import sign_in_for_code

ES256 = ClientKey("ES256")
RS256 = ClientKey("RS256")
ALG_NONE_HEADER = "eyJhbGciOiJub25lIn0"  # base64url of {"alg":"none"}


@pytest.mark.parametrize("alg", ["ES256", "RS256", "PS256", "EdDSA"])
def test_assertion_signed_with_registered_key_authenticates__rfc7523_s2_2(idp, alg):
    key = ClientKey(alg)
    client = jwt_client(idp, key)
    code, verifier = sign_in_for_code(idp, client)
    response = redeem_with_assertion(
        idp, client, code, verifier, client_assertion(idp, client, key)
    )
    assert response.status_code == 200, response.text
    assert response.json()["access_token"]


def test_issuer_as_audience_is_accepted__rfc7523_s3(idp):
    client = jwt_client(idp, ES256)
    code, verifier = sign_in_for_code(idp, client)
    assertion = client_assertion(idp, client, ES256, aud=idp.base_url)
    assert redeem_with_assertion(idp, client, code, verifier, assertion).status_code == 200


def test_key_is_chosen_by_kid_among_several__rfc7523_s3(idp):
    client = jwt_client(idp, ES256, RS256)
    code, verifier = sign_in_for_code(idp, client)
    assertion = client_assertion(idp, client, RS256)
    assert redeem_with_assertion(idp, client, code, verifier, assertion).status_code == 200


def test_replayed_jti_is_invalid_client__rfc7523_s3(idp):
    client = jwt_client(idp, ES256)
    assertion = client_assertion(idp, client, ES256)
    first_code, first_verifier = sign_in_for_code(idp, client)
    first = redeem_with_assertion(idp, client, first_code, first_verifier, assertion)
    assert first.status_code == 200, first.text
    code, verifier = sign_in_for_code(idp, client)
    assert_invalid_client(redeem_with_assertion(idp, client, code, verifier, assertion))


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "https://other-idp.example/token"},
        {"exp": -1},
        {"exp": None},
        {"exp": 3600},
        {"jti": None},
        {"sub": "someone-else"},
    ],
    ids=["wrong-aud", "expired", "no-exp", "exp-too-far", "no-jti", "sub-not-client"],
)
def test_assertion_with_bad_claims_is_invalid_client__rfc7523_s3(idp, claims):
    client = jwt_client(idp, ES256)
    code, verifier = sign_in_for_code(idp, client)
    if claims.get("exp") is not None:
        claims = {**claims, "exp": idp.clock.now() + claims["exp"]}
    assertion = client_assertion(idp, client, ES256, **claims)
    assert_invalid_client(redeem_with_assertion(idp, client, code, verifier, assertion))


@pytest.mark.parametrize("same_kid", [True, False], ids=["registered-kid", "unknown-kid"])
def test_assertion_signed_by_unregistered_key_is_invalid_client__rfc7523_s3(idp, same_kid):
    client = jwt_client(idp, ES256)
    stranger = ClientKey("ES256", kid=ES256.kid) if same_kid else ClientKey("ES256")
    code, verifier = sign_in_for_code(idp, client)
    assertion = client_assertion(idp, client, stranger)
    assert_invalid_client(redeem_with_assertion(idp, client, code, verifier, assertion))


def test_unsigned_assertion_is_invalid_client__rfc7523_s3(idp):
    client = jwt_client(idp, ES256)
    code, verifier = sign_in_for_code(idp, client)
    _, payload, _ = client_assertion(idp, client, ES256).split(".")
    unsigned = f"{ALG_NONE_HEADER}.{payload}."
    assert_invalid_client(redeem_with_assertion(idp, client, code, verifier, unsigned))


def test_jwt_client_sending_a_secret_is_invalid_client__oidc_core_s9(idp):
    client = jwt_client(idp, ES256)
    code, verifier = sign_in_for_code(idp, client)
    assert_invalid_client(redeem(idp, client, code, verifier, "invented-secret"))


def test_secret_client_sending_an_assertion_is_invalid_client__oidc_core_s9(idp):
    client, _ = register(idp)
    code, verifier = sign_in_for_code(idp, client)
    assertion = client_assertion(idp, client, ES256)
    assert_invalid_client(redeem_with_assertion(idp, client, code, verifier, assertion))
