"""ID tokens (OIDC Core §3.1.3.7) from real sign-ins: the nonce sent, the access token
they are bound to (at_hash), the authentication's age and strength; RS256 (the
default) and ES256."""

from __future__ import annotations

import pytest

from idp.keys.signing import Algorithm
from idp.rp import (
    AuthenticationTooOld,
    ExpiredToken,
    InsufficientAuthentication,
    InvalidAccessTokenHash,
    InvalidAudience,
    InvalidClaims,
    InvalidIssuer,
    InvalidNonce,
    InvalidTokenType,
)
from tests.rp.tokens import signed
from tests.support.relying_party import web_app
from tests.support.sign_in import sign_in

NONCE = "n-0S6_WzA2Mj"
PASSWORD_ACR = "urn:tessera:acr:password"


@pytest.fixture(scope="module", params=["RS256", "ES256"])
def signed_in(request, idp):
    """A web app and the token response of a sign-in with NONCE."""
    app = web_app(idp, id_token_signed_response_alg=request.param)
    return app, sign_in(idp, app, nonce=NONCE)


def id_claims(idp, app, **changes):
    now = idp.clock.now()
    claims = {
        "iss": idp.issuer,
        "sub": "user-1",
        "aud": app.client_id,
        "iat": now,
        "exp": now + 300,
        "auth_time": now,
        **changes,
    }
    return {name: value for name, value in claims.items() if value is not None}


def test_a_valid_id_token_gives_its_claims__oidc_core_s3_1_3_7(provider, idp, signed_in):
    app, tokens = signed_in
    claims = provider.validate_id_token(
        tokens["id_token"],
        client_id=app.client_id,
        nonce=NONCE,
        access_token=tokens["access_token"],
        max_age=60,
        acr_values=[PASSWORD_ACR],
    )
    assert claims["aud"] == claims["azp"] == app.client_id
    assert claims["nonce"] == NONCE
    assert claims["sid"]


def test_another_nonce_is_refused__oidc_core_s3_1_3_7_step_11(provider, signed_in):
    app, tokens = signed_in
    with pytest.raises(InvalidNonce):
        provider.validate_id_token(tokens["id_token"], client_id=app.client_id, nonce="other")


def test_a_nonce_sent_must_come_back__oidc_core_s3_1_3_7_step_11(provider, idp, signed_in):
    app, _ = signed_in
    token = signed(idp, id_claims(idp, app), typ=None)
    with pytest.raises(InvalidNonce):
        provider.validate_id_token(token, client_id=app.client_id, nonce=NONCE)


def test_the_at_hash_of_another_access_token_is_refused__oidc_core_s3_2_2_9(
    provider, idp, signed_in
):
    app, tokens = signed_in
    other = sign_in(idp, app, nonce=NONCE)["access_token"]
    with pytest.raises(InvalidAccessTokenHash):
        provider.validate_id_token(tokens["id_token"], client_id=app.client_id, access_token=other)


def test_without_at_hash_no_access_token_is_bound__oidc_core_s3_1_3_8(provider, idp, signed_in):
    app, tokens = signed_in
    token = signed(idp, id_claims(idp, app), typ=None)
    assert provider.validate_id_token(token, client_id=app.client_id)
    with pytest.raises(InvalidAccessTokenHash):
        provider.validate_id_token(
            token, client_id=app.client_id, access_token=tokens["access_token"]
        )


def test_an_id_token_for_another_client_is_refused__oidc_core_s3_1_3_7_step_3(
    provider, idp, signed_in
):
    _, tokens = signed_in
    with pytest.raises(InvalidAudience):
        provider.validate_id_token(tokens["id_token"], client_id=web_app(idp).client_id)


def test_several_audiences_need_azp__oidc_core_s3_1_3_7_step_4(provider, idp, signed_in):
    app, _ = signed_in
    audiences = [app.client_id, "another-client"]
    token = signed(idp, id_claims(idp, app, aud=audiences), typ=None)
    with pytest.raises(InvalidAudience):
        provider.validate_id_token(token, client_id=app.client_id)
    token = signed(idp, id_claims(idp, app, aud=audiences, azp=app.client_id), typ=None)
    assert provider.validate_id_token(token, client_id=app.client_id)


def test_azp_must_be_the_client__oidc_core_s3_1_3_7_step_5(provider, idp, signed_in):
    app, _ = signed_in
    token = signed(idp, id_claims(idp, app, azp="another-client"), typ=None)
    with pytest.raises(InvalidAudience):
        provider.validate_id_token(token, client_id=app.client_id)


def test_another_issuer_is_refused__oidc_core_s3_1_3_7_step_2(provider, idp, signed_in):
    app, _ = signed_in
    token = signed(idp, id_claims(idp, app, iss="https://evil.example"), typ=None)
    with pytest.raises(InvalidIssuer):
        provider.validate_id_token(token, client_id=app.client_id)


def test_an_authentication_older_than_max_age_is_refused__oidc_core_s3_1_3_7_step_13(
    provider, idp, signed_in
):
    app, _ = signed_in
    long_ago = idp.clock.now() - 600
    token = signed(idp, id_claims(idp, app, auth_time=long_ago), typ=None)
    assert provider.validate_id_token(token, client_id=app.client_id, max_age=600)
    with pytest.raises(AuthenticationTooOld) as refused:
        provider.validate_id_token(token, client_id=app.client_id, max_age=500)
    assert refused.value.error == "insufficient_user_authentication"  # RFC 9470 §3


def test_max_age_needs_auth_time__oidc_core_s3_1_2_1(provider, idp, signed_in):
    app, _ = signed_in
    token = signed(idp, id_claims(idp, app, auth_time=None), typ=None)
    assert provider.validate_id_token(token, client_id=app.client_id)
    with pytest.raises(InvalidClaims):
        provider.validate_id_token(token, client_id=app.client_id, max_age=60)


def test_an_acr_not_asked_for_is_refused__oidc_core_s3_1_3_7_step_12(provider, signed_in):
    app, tokens = signed_in
    with pytest.raises(InsufficientAuthentication):
        provider.validate_id_token(
            tokens["id_token"], client_id=app.client_id, acr_values=["urn:tessera:acr:mfa"]
        )


def test_an_expired_id_token_is_refused__oidc_core_s3_1_3_7_step_9(provider, idp, signed_in):
    app, _ = signed_in
    now = idp.clock.now()
    token = signed(idp, id_claims(idp, app, iat=now - 900, exp=now - 60), typ=None)
    with pytest.raises(ExpiredToken):
        provider.validate_id_token(token, client_id=app.client_id)


@pytest.mark.parametrize("typ", ["at+jwt", "logout+jwt", "secevent+jwt", "statuslist+jwt"])
def test_another_kind_of_token_is_no_id_token__rfc8725_s3_11(provider, idp, signed_in, typ):
    app, _ = signed_in
    token = signed(idp, id_claims(idp, app), typ=typ, alg=Algorithm.RS256)
    with pytest.raises(InvalidTokenType):
        provider.validate_id_token(token, client_id=app.client_id)


def test_an_access_token_is_no_id_token__rfc8725_s3_11(provider, signed_in):
    app, tokens = signed_in
    with pytest.raises(InvalidTokenType):
        provider.validate_id_token(tokens["access_token"], client_id=app.client_id)
