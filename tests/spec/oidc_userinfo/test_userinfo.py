"""OIDC Core §5.3 and RFC 6750 §2, §3: the UserInfo endpoint as a bearer-protected
resource."""

from __future__ import annotations

import pytest

from idp.keys.signing import Algorithm
from tests.spec.oidc_userinfo.bearer import (
    assert_bearer_error,
    with_payload_changed,
    with_signature_changed,
)
from tests.support.assertions import assert_oauth_error, verify_access_token
from tests.support.flows import create_user, register
from tests.support.relying_party import userinfo
from tests.support.sign_in import sign_in_for_tokens


def access_token(idp, user=None, **params):
    client, secret = register(idp)
    return sign_in_for_tokens(idp, client, secret, user, **params)["access_token"]


def test_get_with_bearer_header_returns_claims__oidc_core_s5_3_1(idp):
    user = create_user(idp)
    response = userinfo(idp, access_token(idp, user))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json()["sub"] == user.id


def test_post_with_bearer_header_returns_claims__oidc_core_s5_3_1(idp):
    user = create_user(idp)
    response = userinfo(idp, access_token(idp, user), method="POST")
    assert response.status_code == 200, response.text
    assert response.json()["sub"] == user.id


def test_post_with_token_in_form_body_returns_claims__rfc6750_s2_2(idp):
    user = create_user(idp)
    response = userinfo(idp, method="POST", data={"access_token": access_token(idp, user)})
    assert response.status_code == 200, response.text
    assert response.json()["sub"] == user.id


def test_token_in_header_and_body_is_invalid_request__rfc6750_s2(idp):
    token = access_token(idp)
    response = userinfo(idp, token, method="POST", data={"access_token": token})
    assert_oauth_error(response, "invalid_request", status=400)


@pytest.mark.parametrize(
    ("scope", "claims"),
    [
        ("openid", set()),
        ("openid profile", {"name", "given_name", "family_name", "preferred_username"}),
        ("openid email", {"email", "email_verified"}),
    ],
)
def test_claims_are_released_by_scope__oidc_core_s5_4(idp, scope, claims):
    user = create_user(idp, name="Grace Hopper", given_name="Grace", family_name="Hopper")
    response = userinfo(idp, access_token(idp, user, scope=scope))
    assert response.status_code == 200, response.text
    expected = {
        "sub": user.id,
        "name": "Grace Hopper",
        "given_name": "Grace",
        "family_name": "Hopper",
        "preferred_username": user.username,
        "email": user.email,
        "email_verified": True,
    }
    assert response.json() == {name: expected[name] for name in {"sub", *claims}}


def test_no_token_is_401_with_a_bare_bearer_challenge__rfc6750_s3_1(idp):
    response = userinfo(idp)
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer realm=")
    assert "error=" not in challenge


@pytest.mark.parametrize(
    "spoil",
    [
        lambda token: "not-a-jwt",
        lambda token: with_signature_changed(token),
        lambda token: with_payload_changed(token, scope="openid profile email admin"),
    ],
    ids=["garbage", "signature-changed", "payload-changed"],
)
def test_invalid_token_is_401_invalid_token__rfc6750_s3_1(idp, spoil):
    response = userinfo(idp, spoil(access_token(idp)))
    assert_bearer_error(response, "invalid_token", 401)


def test_id_token_is_not_an_access_token__rfc9068_s4(idp):
    client, secret = register(idp)
    id_token = sign_in_for_tokens(idp, client, secret)["id_token"]
    assert_bearer_error(userinfo(idp, id_token), "invalid_token", 401)


def test_token_signed_by_us_without_at_jwt_typ_is_invalid_token__rfc9068_s4(idp):
    claims = verify_access_token(idp, access_token(idp), audience=idp.base_url)
    plain_jwt = idp.provider.signer.sign(claims, Algorithm.ES256, typ="JWT")
    assert_bearer_error(userinfo(idp, plain_jwt), "invalid_token", 401)


def test_token_without_openid_scope_is_403_insufficient_scope__oidc_core_s5_3(idp):
    response = userinfo(idp, access_token(idp, scope="profile email"))
    assert_bearer_error(response, "insufficient_scope", 403)
