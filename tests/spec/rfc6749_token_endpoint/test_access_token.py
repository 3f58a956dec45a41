"""RFC 9068 §2: access tokens are JWTs, typ at+jwt, signed with a key in the JWKS."""

from __future__ import annotations

import jwt

from tests.support.assertions import jwks, verify_access_token
from tests.support.flows import create_user, register
from tests.support.sign_in import sign_in_for_tokens


def test_access_token_header_is_at_jwt_es256_with_published_kid__rfc9068_s2_1(idp):
    client, secret = register(idp)
    header = jwt.get_unverified_header(sign_in_for_tokens(idp, client, secret)["access_token"])
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "ES256"
    published = {key["kid"]: key for key in jwks(idp)["keys"]}
    assert published[header["kid"]]["kty"] == "EC"


def test_access_token_carries_the_required_claims__rfc9068_s2_2(idp):
    client, secret = register(idp)
    user = create_user(idp)
    tokens = sign_in_for_tokens(idp, client, secret, user)
    claims = verify_access_token(idp, tokens["access_token"], audience=idp.base_url)
    assert claims["iss"] == idp.base_url
    assert claims["sub"] == user.id
    assert claims["aud"] == idp.base_url
    assert claims["client_id"] == client.client_id
    assert claims["scope"] == "openid profile email"
    assert claims["exp"] - claims["iat"] == idp.settings.access_token_ttl
    assert claims["auth_time"] <= claims["iat"]
    assert claims["jti"]
    assert claims["sid"]


def test_each_access_token_has_its_own_jti__rfc9068_s2_2(idp):
    client, secret = register(idp)
    user = create_user(idp)
    first = verify_access_token(
        idp, sign_in_for_tokens(idp, client, secret, user)["access_token"], audience=idp.base_url
    )
    second = verify_access_token(
        idp, sign_in_for_tokens(idp, client, secret, user)["access_token"], audience=idp.base_url
    )
    assert first["jti"] != second["jti"]
