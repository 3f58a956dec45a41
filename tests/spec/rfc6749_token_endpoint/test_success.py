"""RFC 6749 §5.1: a successful token response, for each way a client authenticates
(§2.3.1; OIDC Core §9; RFC 7636 for public clients)."""

from __future__ import annotations

from tests.support.client_requests import redeem
from tests.support.flows import register
from tests.support.sign_in import sign_in_for_code, sign_in_for_tokens


def test_response_has_token_fields_and_no_store_headers__rfc6749_s5_1(idp):
    client, secret = register(idp)
    code, verifier = sign_in_for_code(idp, client)
    response = redeem(idp, client, code, verifier, secret)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == idp.settings.access_token_ttl
    assert body["scope"] == "openid profile email"
    assert body["access_token"]
    assert body["id_token"]


def test_client_secret_basic_authenticates__rfc6749_s2_3_1(idp):
    client, secret = register(idp)
    code, verifier = sign_in_for_code(idp, client)
    response = redeem(idp, client, code, verifier, secret)
    assert response.status_code == 200, response.text


def test_client_secret_post_authenticates__rfc6749_s2_3_1(idp):
    client, secret = register(idp, auth_method="client_secret_post")
    code, verifier = sign_in_for_code(idp, client)
    response = redeem(idp, client, code, verifier, client_secret=secret)
    assert response.status_code == 200, response.text


def test_public_client_authenticates_with_none_and_pkce__rfc7636_s4_5(idp):
    client, _ = register(idp, public=True)
    code, verifier = sign_in_for_code(idp, client)
    response = redeem(idp, client, code, verifier)
    assert response.status_code == 200, response.text


def test_refresh_token_only_for_clients_with_that_grant__rfc6749_s5_1(idp):
    plain, plain_secret = register(idp)
    refreshing, refreshing_secret = register(
        idp, grant_types=["authorization_code", "refresh_token"]
    )
    assert "refresh_token" not in sign_in_for_tokens(idp, plain, plain_secret)
    assert sign_in_for_tokens(idp, refreshing, refreshing_secret)["refresh_token"]


def test_no_id_token_without_openid_scope__oidc_core_s3_1_3_3(idp):
    client, secret = register(idp)
    tokens = sign_in_for_tokens(idp, client, secret, scope="profile")
    assert tokens["scope"] == "profile"
    assert tokens["access_token"]
    assert "id_token" not in tokens
