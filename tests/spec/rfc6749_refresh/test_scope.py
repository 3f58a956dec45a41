"""RFC 6749 §6: a refresh may ask for a narrower scope, never a wider one; the refresh
token keeps the scope originally granted. A refused refresh changes nothing."""

from __future__ import annotations

from tests.support.assertions import assert_oauth_error, claims_of
from tests.support.relying_party import OFFLINE_SCOPE, refresh, refreshed, web_app
from tests.support.sign_in import sign_in


def test_narrowed_scope_gives_a_narrower_access_token__rfc6749_s6(idp):
    app = web_app(idp)
    token = sign_in(idp, app, scope=OFFLINE_SCOPE)["refresh_token"]
    narrowed = refreshed(idp, app, token, scope="openid profile")
    assert narrowed["scope"] == "openid profile"
    assert claims_of(narrowed["access_token"])["scope"] == "openid profile"


def test_next_refresh_may_use_the_original_scope__rfc6749_s6(idp):
    app = web_app(idp)
    token = sign_in(idp, app, scope=OFFLINE_SCOPE)["refresh_token"]
    narrowed = refreshed(idp, app, token, scope="openid")
    again = refreshed(idp, app, narrowed["refresh_token"], scope=OFFLINE_SCOPE)
    assert again["scope"] == OFFLINE_SCOPE
    assert claims_of(again["access_token"])["scope"] == OFFLINE_SCOPE


def test_refresh_without_scope_gets_the_original_scope__rfc6749_s6(idp):
    app = web_app(idp)
    token = sign_in(idp, app, scope=OFFLINE_SCOPE)["refresh_token"]
    narrowed = refreshed(idp, app, token, scope="openid")
    assert refreshed(idp, app, narrowed["refresh_token"])["scope"] == OFFLINE_SCOPE


def test_widened_scope_is_invalid_scope__rfc6749_s6(idp):
    app = web_app(idp)  # registered for email and offline_access too
    token = sign_in(idp, app, scope="openid profile")["refresh_token"]
    assert_oauth_error(refresh(idp, app, token, scope="openid profile email"), "invalid_scope")


def test_failed_refresh_does_not_rotate__rfc6749_s6(idp):
    app = web_app(idp)
    token = sign_in(idp, app, scope="openid profile")["refresh_token"]
    assert_oauth_error(refresh(idp, app, token, scope="openid email"), "invalid_scope")
    assert refreshed(idp, app, token)["scope"] == "openid profile"
