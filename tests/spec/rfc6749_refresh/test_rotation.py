"""RFC 6749 §6 and RFC 9700 §4.14.2: each refresh returns a new access token and a new
refresh token; the one it replaces stops working."""

from __future__ import annotations

from tests.support.assertions import assert_oauth_error, claims_of
from tests.support.client_requests import post_form, redeem
from tests.support.flows import code_flow, create_user, register
from tests.support.relying_party import SCOPE, refresh, refreshed, userinfo_status, web_app
from tests.support.sign_in import sign_in


def test_refresh_returns_new_access_and_refresh_tokens__rfc6749_s6(idp):
    app = web_app(idp)
    first = sign_in(idp, app)
    second = refreshed(idp, app, first["refresh_token"])
    assert second["token_type"] == "Bearer"
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["scope"] == SCOPE
    assert userinfo_status(idp, second["access_token"]) == 200


def test_refresh_response_is_not_cached__rfc6749_s5_1(idp):
    app = web_app(idp)
    response = refresh(idp, app, sign_in(idp, app)["refresh_token"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"


def test_rotated_refresh_token_no_longer_works__rfc9700_s4_14_2(idp):
    app = web_app(idp)
    first = sign_in(idp, app)
    refreshed(idp, app, first["refresh_token"])
    assert_oauth_error(refresh(idp, app, first["refresh_token"]), "invalid_grant")


def test_new_refresh_token_keeps_rotating__rfc9700_s4_14_2(idp):
    app = web_app(idp)
    token = sign_in(idp, app)["refresh_token"]
    for _ in range(3):
        token = refreshed(idp, app, token)["refresh_token"]
    assert userinfo_status(idp, refreshed(idp, app, token)["access_token"]) == 200


def test_refresh_token_of_another_client_is_invalid_grant__rfc6749_s6(idp):
    owner, thief = web_app(idp), web_app(idp)
    token = sign_in(idp, owner)["refresh_token"]
    assert_oauth_error(refresh(idp, thief, token), "invalid_grant")
    refreshed(idp, owner, token)  # still the owner's, unrotated


def test_unknown_refresh_token_is_invalid_grant__rfc6749_s5_2(idp):
    app = web_app(idp)
    assert_oauth_error(refresh(idp, app, "not-a-refresh-token-we-issued"), "invalid_grant")


def test_missing_refresh_token_is_invalid_request__rfc6749_s6(idp):
    app = web_app(idp)
    response = post_form(idp, "/token", {"grant_type": "refresh_token"}, auth=app.auth)
    assert_oauth_error(response, "invalid_request")


def test_client_without_refresh_grant_is_unauthorized_client__rfc6749_s5_2(idp):
    token = sign_in(idp, web_app(idp))["refresh_token"]
    code_only = web_app(idp, grant_types=["authorization_code"])
    assert_oauth_error(refresh(idp, code_only, token), "unauthorized_client")


def test_access_token_lifetime_is_the_clients__rfc6749_s5_1(idp):
    app = web_app(idp, access_token_ttl=120)
    tokens = refreshed(idp, app, sign_in(idp, app)["refresh_token"])
    assert tokens["expires_in"] == 120
    claims = claims_of(tokens["access_token"])
    assert claims["exp"] - claims["iat"] == 120


def test_public_client_refresh_tokens_rotate__rfc9700_s4_14_2(idp):
    client, _ = register(idp, public=True, grant_types=["authorization_code", "refresh_token"])
    query, verifier = code_flow(idp, client, create_user(idp))
    first = redeem(idp, client, query["code"], verifier).json()["refresh_token"]

    def public_refresh(token: str):
        data = {
            "grant_type": "refresh_token",
            "refresh_token": token,
            "client_id": client.client_id,
        }
        return post_form(idp, "/token", data)

    second = public_refresh(first)
    assert second.status_code == 200, second.text
    assert second.json()["refresh_token"] != first
    assert_oauth_error(public_refresh(first), "invalid_grant")
