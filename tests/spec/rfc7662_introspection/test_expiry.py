"""RFC 7662 §2.2: an expired token is not active. These tests move the module's clock."""

from __future__ import annotations

from tests.support.relying_party import OFFLINE_SCOPE, introspection, web_app
from tests.support.sign_in import sign_in


def test_expired_access_token_is_inactive__rfc7662_s2_2(idp):
    app = web_app(idp)
    token = sign_in(idp, app)["access_token"]
    assert introspection(idp, app, token)["active"] is True
    idp.clock.advance(idp.settings.access_token_ttl + idp.settings.clock_leeway + 1)
    assert introspection(idp, app, token) == {"active": False}


def test_access_token_expires_at_the_clients_lifetime__rfc7662_s2_2(idp):
    app = web_app(idp, access_token_ttl=120)
    token = sign_in(idp, app)["access_token"]
    idp.clock.advance(120 + idp.settings.clock_leeway + 1)
    assert introspection(idp, app, token) == {"active": False}


def test_expired_refresh_token_is_inactive__rfc7662_s2_2(idp):
    app = web_app(idp, refresh_token_ttl=600)
    token = sign_in(idp, app, scope=OFFLINE_SCOPE)["refresh_token"]
    assert introspection(idp, app, token)["active"] is True
    idp.clock.advance(601)
    assert introspection(idp, app, token) == {"active": False}


def test_session_bound_refresh_token_is_inactive_after_the_session__rfc7662_s2_2(idp):
    app = web_app(idp)
    token = sign_in(idp, app)["refresh_token"]
    idp.clock.advance(idp.settings.session_absolute_timeout + 1)
    assert introspection(idp, app, token) == {"active": False}


def test_offline_refresh_token_stays_active_after_the_session__rfc7662_s2_2(idp):
    app = web_app(idp)
    token = sign_in(idp, app, scope=OFFLINE_SCOPE)["refresh_token"]
    idp.clock.advance(idp.settings.session_absolute_timeout + 1)
    assert introspection(idp, app, token)["active"] is True
