"""Token revocation (RFC 7009): a client takes back its own refresh or access tokens;
revoking a refresh token also revokes the access tokens issued with it (§2.1)."""

from __future__ import annotations

import pytest

from tests.support.assertions import assert_oauth_error
from tests.support.client_requests import post_form
from tests.support.relying_party import (
    introspection,
    refresh,
    refreshed,
    revoke,
    userinfo_status,
    web_app,
)
from tests.support.sign_in import sign_in


def test_revoked_refresh_token_no_longer_refreshes__rfc7009_s2_1(idp):
    app = web_app(idp)
    tokens = sign_in(idp, app)
    response = revoke(idp, app, tokens["refresh_token"])
    assert response.status_code == 200, response.text
    assert_oauth_error(refresh(idp, app, tokens["refresh_token"]), "invalid_grant")


def test_revoking_refresh_token_revokes_its_access_token__rfc7009_s2_1(idp):
    app = web_app(idp)
    tokens = sign_in(idp, app)
    assert userinfo_status(idp, tokens["access_token"]) == 200
    assert revoke(idp, app, tokens["refresh_token"]).status_code == 200
    assert userinfo_status(idp, tokens["access_token"]) == 401


def test_revoking_rotated_refresh_token_revokes_the_family__rfc7009_s2_1(idp):
    app = web_app(idp)
    first = sign_in(idp, app)
    second = refreshed(idp, app, first["refresh_token"])
    assert revoke(idp, app, second["refresh_token"]).status_code == 200
    assert_oauth_error(refresh(idp, app, second["refresh_token"]), "invalid_grant")
    assert userinfo_status(idp, second["access_token"]) == 401


def test_revoked_access_token_is_rejected__rfc7009_s2_1(idp):
    app = web_app(idp)
    tokens = sign_in(idp, app)
    assert userinfo_status(idp, tokens["access_token"]) == 200
    response = revoke(idp, app, tokens["access_token"], token_type_hint="access_token")
    assert response.status_code == 200, response.text
    assert userinfo_status(idp, tokens["access_token"]) == 401
    assert introspection(idp, app, tokens["access_token"]) == {"active": False}


@pytest.mark.parametrize(
    "token", ["an-opaque-token-never-issued", "eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJl"]
)
def test_unknown_token_is_answered_with_200__rfc7009_s2_2(idp, token):
    response = revoke(idp, web_app(idp), token)
    assert response.status_code == 200, response.text


def test_access_token_of_another_client_is_refused__rfc7009_s2_1(idp):
    owner, other = web_app(idp), web_app(idp)
    tokens = sign_in(idp, owner)
    assert_oauth_error(revoke(idp, other, tokens["access_token"]), "unauthorized_client")
    assert userinfo_status(idp, tokens["access_token"]) == 200


def test_refresh_token_of_another_client_is_refused__rfc7009_s2_1(idp):
    owner, other = web_app(idp), web_app(idp)
    tokens = sign_in(idp, owner)
    assert_oauth_error(revoke(idp, other, tokens["refresh_token"]), "unauthorized_client")
    refreshed(idp, owner, tokens["refresh_token"])


def test_missing_token_is_invalid_request__rfc7009_s2_1(idp):
    app = web_app(idp)
    assert_oauth_error(post_form(idp, "/revoke", {}, auth=app.auth), "invalid_request")


def test_wrong_client_secret_is_invalid_client__rfc7009_s2_1(idp):
    app = web_app(idp)
    tokens = sign_in(idp, app)
    response = post_form(
        idp, "/revoke", {"token": tokens["access_token"]}, auth=(app.client_id, "wrong")
    )
    assert_oauth_error(response, "invalid_client", status=401)
    assert userinfo_status(idp, tokens["access_token"]) == 200


def test_revocation_without_client_authentication_is_invalid_client__rfc7009_s2_1(idp):
    tokens = sign_in(idp, web_app(idp))
    response = post_form(idp, "/revoke", {"token": tokens["access_token"]})
    assert_oauth_error(response, "invalid_client", status=401)
    assert userinfo_status(idp, tokens["access_token"]) == 200
