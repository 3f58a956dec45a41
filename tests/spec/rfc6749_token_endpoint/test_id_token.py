"""OIDC Core §2 and §3.1.3.6: the ID token returned by the token endpoint."""

from __future__ import annotations

from tests.support.assertions import at_hash, verify_access_token, verify_id_token
from tests.support.flows import create_user, register
from tests.support.sign_in import sign_in_for_tokens

NONCE = "n-0S6_WzA2Mj"


def test_id_token_is_rs256_by_default_with_the_core_claims__oidc_core_s2(idp):
    client, secret = register(idp)
    user = create_user(idp)
    tokens = sign_in_for_tokens(idp, client, secret, user, nonce=NONCE)
    claims = verify_id_token(idp, tokens["id_token"], client, "RS256")
    assert claims["iss"] == idp.base_url
    assert claims["sub"] == user.id
    assert claims["aud"] == client.client_id
    assert claims["azp"] == client.client_id
    assert claims["exp"] - claims["iat"] == idp.settings.id_token_ttl
    assert claims["auth_time"] <= claims["iat"]
    assert claims["nonce"] == NONCE
    assert claims["acr"]
    assert claims["amr"] == ["pwd"]


def test_a_client_can_have_its_own_token_lifetimes(idp):
    client, secret = register(idp, id_token_ttl=300, access_token_ttl=120)
    tokens = sign_in_for_tokens(idp, client, secret)
    id_token = verify_id_token(idp, tokens["id_token"], client)
    access_token = verify_access_token(idp, tokens["access_token"], audience=idp.base_url)
    assert id_token["exp"] - id_token["iat"] == 300
    assert access_token["exp"] - access_token["iat"] == tokens["expires_in"] == 120


def test_id_token_has_no_nonce_when_none_was_sent__oidc_core_s2(idp):
    client, secret = register(idp)
    claims = verify_id_token(idp, sign_in_for_tokens(idp, client, secret)["id_token"], client)
    assert "nonce" not in claims


def test_at_hash_is_left_half_of_sha256_of_the_access_token__oidc_core_s3_1_3_6(idp):
    client, secret = register(idp)
    tokens = sign_in_for_tokens(idp, client, secret)
    claims = verify_id_token(idp, tokens["id_token"], client)
    assert claims["at_hash"] == at_hash(tokens["access_token"])


def test_id_token_sid_is_the_access_token_sid__oidc_frontchannel_s3(idp):
    client, secret = register(idp)
    tokens = sign_in_for_tokens(idp, client, secret)
    id_claims = verify_id_token(idp, tokens["id_token"], client)
    access_claims = verify_access_token(idp, tokens["access_token"], audience=idp.base_url)
    assert id_claims["sid"] == access_claims["sid"]
    assert id_claims["auth_time"] == access_claims["auth_time"]
    assert id_claims["acr"] == access_claims["acr"]


def test_client_registered_for_es256_gets_an_es256_id_token__oidc_registration_s2(idp):
    client, secret = register(idp, id_token_signed_response_alg="ES256")
    tokens = sign_in_for_tokens(idp, client, secret)
    claims = verify_id_token(idp, tokens["id_token"], client, "ES256")
    assert claims["at_hash"] == at_hash(tokens["access_token"])
