"""RFC 9700 §4.14.2: presenting a refresh token that was already rotated means it was
stolen or replayed. The server refuses it, revokes the whole family and the access
tokens issued from it, ends the SSO session and records a security event."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from idp.authn.users import User
from tests.support.assertions import assert_oauth_error
from tests.support.flows import Browser, create_user
from tests.support.relying_party import (
    OFFLINE_SCOPE,
    App,
    has_sso_session,
    refresh,
    refreshed,
    security_event_types,
    userinfo_status,
    web_app,
)
from tests.support.sign_in import sign_in

# RFC 9700 §4.14.2 reuse is recorded as a CAEP session-revoked event.
SESSION_REVOKED = "https://schemas.openid.net/secevent/caep/event-type/session-revoked"


@dataclass
class Replay:
    app: App
    user: User
    browser: Browser
    first: dict[str, Any]  # from the code
    second: dict[str, Any]  # from rotating first's refresh token
    response: httpx.Response  # first's refresh token, presented again


@pytest.fixture
def replay(idp) -> Iterator[Replay]:
    app, user = web_app(idp), create_user(idp)
    with Browser(idp) as browser:
        first = sign_in(idp, app, user, browser=browser)
        second = refreshed(idp, app, first["refresh_token"])
        assert has_sso_session(browser, app)
        assert userinfo_status(idp, second["access_token"]) == 200
        response = refresh(idp, app, first["refresh_token"])
        yield Replay(app, user, browser, first, second, response)


def test_rotated_token_reuse_is_invalid_grant__rfc9700_s4_14_2(replay):
    assert_oauth_error(replay.response, "invalid_grant")


def test_rotated_token_reuse_revokes_the_newest_refresh_token__rfc9700_s4_14_2(idp, replay):
    assert_oauth_error(refresh(idp, replay.app, replay.second["refresh_token"]), "invalid_grant")


def test_rotated_token_reuse_revokes_the_familys_access_tokens__rfc9700_s4_14_2(idp, replay):
    assert userinfo_status(idp, replay.first["access_token"]) == 401
    assert userinfo_status(idp, replay.second["access_token"]) == 401


def test_rotated_token_reuse_ends_the_sso_session__rfc9700_s4_14_2(replay):
    assert not has_sso_session(replay.browser, replay.app)


def test_rotated_token_reuse_is_recorded_as_security_event__rfc9700_s4_14_2(idp, replay):
    assert security_event_types(idp, replay.user.id) == [SESSION_REVOKED]


def test_rotated_token_reuse_revokes_every_refresh_token_of_the_session__rfc9700_s4_14_2(idp):
    """Other clients' tokens from the same browser session go too, offline ones included:
    the session is taken to be compromised."""
    victim, neighbour, user = web_app(idp), web_app(idp), create_user(idp)
    with Browser(idp) as browser:
        first = sign_in(idp, victim, user, browser=browser)
        offline = sign_in(idp, neighbour, user, browser=browser, scope=OFFLINE_SCOPE)
    refreshed(idp, victim, first["refresh_token"])
    assert_oauth_error(refresh(idp, victim, first["refresh_token"]), "invalid_grant")
    assert_oauth_error(refresh(idp, neighbour, offline["refresh_token"]), "invalid_grant")


def test_reuse_by_another_client_does_not_revoke_the_family__rfc6749_s6(idp):
    owner, other = web_app(idp), web_app(idp)
    first = sign_in(idp, owner)
    second = refreshed(idp, owner, first["refresh_token"])
    assert_oauth_error(refresh(idp, other, first["refresh_token"]), "invalid_grant")
    assert (
        userinfo_status(idp, refreshed(idp, owner, second["refresh_token"])["access_token"]) == 200
    )
