"""Refresh tokens end: at their own lifetime (RFC 6749 §6, §5.2 invalid_grant), and with
the SSO session they belong to unless offline_access was granted (OIDC Core §11).
These tests move the module's clock."""

from __future__ import annotations

from tests.support.assertions import assert_oauth_error
from tests.support.relying_party import (
    OFFLINE_SCOPE,
    SCOPE,
    refresh,
    refreshed,
    userinfo_status,
    web_app,
)
from tests.support.sign_in import sign_in


def test_refresh_token_expires_after_the_clients_lifetime__rfc6749_s5_2(idp):
    app = web_app(idp, refresh_token_ttl=600)
    tokens = sign_in(idp, app, scope=OFFLINE_SCOPE)
    idp.clock.advance(601)
    assert_oauth_error(refresh(idp, app, tokens["refresh_token"]), "invalid_grant")


def test_refresh_token_works_within_the_clients_lifetime__rfc6749_s6(idp):
    app = web_app(idp, refresh_token_ttl=600)
    tokens = sign_in(idp, app, scope=OFFLINE_SCOPE)
    idp.clock.advance(590)
    refreshed(idp, app, tokens["refresh_token"])


def test_refresh_token_ends_with_the_sso_session__oidc_core_s11(idp):
    app = web_app(idp)
    tokens = sign_in(idp, app, scope=SCOPE)
    idp.clock.advance(idp.settings.session_absolute_timeout + 1)
    assert_oauth_error(refresh(idp, app, tokens["refresh_token"]), "invalid_grant")


def test_refresh_token_ends_when_the_session_idles_out__oidc_core_s11(idp):
    app = web_app(idp)
    tokens = sign_in(idp, app, scope=SCOPE)
    idp.clock.advance(idp.settings.session_idle_timeout + 1)
    assert_oauth_error(refresh(idp, app, tokens["refresh_token"]), "invalid_grant")


def test_refreshing_keeps_the_session_from_idling_out(idp):
    app = web_app(idp)
    tokens = sign_in(idp, app, scope=SCOPE)
    idle = idp.settings.session_idle_timeout
    idp.clock.advance(idle - 60)
    tokens = refreshed(idp, app, tokens["refresh_token"])
    idp.clock.advance(idle - 60)  # past the first idle deadline, within the slid one
    refreshed(idp, app, tokens["refresh_token"])


def test_offline_access_refresh_token_outlives_the_sso_session__oidc_core_s11(idp):
    app = web_app(idp)
    tokens = sign_in(idp, app, scope=OFFLINE_SCOPE)
    idp.clock.advance(idp.settings.session_absolute_timeout + 1)
    after = refreshed(idp, app, tokens["refresh_token"])
    assert after["scope"] == OFFLINE_SCOPE
    assert userinfo_status(idp, after["access_token"]) == 200


def test_offline_refresh_token_expires_after_the_default_lifetime__rfc6749_s5_2(idp):
    app = web_app(idp)
    tokens = sign_in(idp, app, scope=OFFLINE_SCOPE)
    idp.clock.advance(idp.settings.refresh_token_ttl + 1)
    assert_oauth_error(refresh(idp, app, tokens["refresh_token"]), "invalid_grant")


def test_offline_access_needs_the_refresh_token_grant__oidc_core_s11(idp):
    app = web_app(idp, grant_types=["authorization_code"])
    tokens = sign_in(idp, app, scope=OFFLINE_SCOPE)
    assert tokens["scope"] == SCOPE
    assert "refresh_token" not in tokens
