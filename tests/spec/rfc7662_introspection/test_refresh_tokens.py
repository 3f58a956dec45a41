"""RFC 7662 §2.2 for refresh tokens: only the client they were issued to learns about
them, and a rotated one (RFC 9700 §4.14.2) is no longer active."""

from __future__ import annotations

from tests.support.flows import create_user
from tests.support.relying_party import OFFLINE_SCOPE, introspection, refreshed, revoke, web_app
from tests.support.sign_in import sign_in


def test_own_refresh_token_is_active__rfc7662_s2_2(idp):
    app, user = web_app(idp), create_user(idp)
    token = sign_in(idp, app, user, scope=OFFLINE_SCOPE)["refresh_token"]
    body = introspection(idp, app, token)
    assert body["active"] is True
    assert body["client_id"] == app.client_id
    assert body["sub"] == user.id
    assert body["scope"] == OFFLINE_SCOPE
    assert body["exp"] > body["iat"]


def test_rotated_refresh_token_is_inactive__rfc7662_s2_2(idp):
    app = web_app(idp)
    first = sign_in(idp, app)["refresh_token"]
    second = refreshed(idp, app, first)["refresh_token"]
    assert introspection(idp, app, first) == {"active": False}
    assert introspection(idp, app, second)["active"] is True


def test_refresh_token_of_another_client_is_inactive__rfc7662_s2_2(idp):
    app, stranger = web_app(idp), web_app(idp)
    token = sign_in(idp, app)["refresh_token"]
    assert introspection(idp, stranger, token) == {"active": False}


def test_revoked_refresh_token_is_inactive__rfc7662_s2_2(idp):
    app = web_app(idp)
    token = sign_in(idp, app)["refresh_token"]
    assert revoke(idp, app, token).status_code == 200
    assert introspection(idp, app, token) == {"active": False}
