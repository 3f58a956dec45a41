"""The refresh-token reuse grace period (RFC 9700 §4.14.2 leaves its length to the
server). A client that lost the response to a refresh retries with the token it had just
rotated. By default (grace 0) that is reuse: the token may have been stolen, so the
family and the SSO session end. A client registered with a grace period gets, within
that period, exactly the response the rotation gave (only expires_in counted down);
once the new refresh token has been used, or the period is over, it is reuse again.
These tests move the module's clock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.spec.rfc9700_refresh_grace.refresh import assert_invalid_grant
from tests.support.assertions import claims_of
from tests.support.flows import Browser, create_user
from tests.support.relying_party import (
    App,
    has_sso_session,
    refresh,
    refreshed,
    revoke,
    userinfo_status,
    web_app,
)
from tests.support.sign_in import sign_in

GRACE = 30


@dataclass
class Rotated:
    app: App
    browser: Browser
    first: dict[str, Any]  # from the code
    second: dict[str, Any]  # from rotating first's refresh token


@pytest.fixture
def rotated(request, idp):
    """A signed-in user's first refresh token, rotated once, for a client registered
    with the grace period the test passes indirectly (by default, with none)."""
    grace = getattr(request, "param", None)
    app = web_app(idp) if grace is None else web_app(idp, refresh_token_grace_period=grace)
    with Browser(idp) as browser:
        first = sign_in(idp, app, user=create_user(idp), browser=browser)
        second = refreshed(idp, app, first["refresh_token"])
        assert has_sso_session(browser, app)
        yield Rotated(app, browser, first, second)


def assert_family_and_session_revoked(idp, rotated: Rotated) -> None:
    assert_invalid_grant(refresh(idp, rotated.app, rotated.second["refresh_token"]))
    assert userinfo_status(idp, rotated.second["access_token"]) == 401
    assert not has_sso_session(rotated.browser, rotated.app)


def test_without_a_grace_period_a_retry_is_reuse__rfc9700_s4_14_2(idp, rotated):
    """The default: nothing distinguishes a retry from a thief's replay."""
    assert rotated.app.client.refresh_token_grace_period == 0
    assert_invalid_grant(refresh(idp, rotated.app, rotated.first["refresh_token"]))
    assert_family_and_session_revoked(idp, rotated)


def test_explicit_zero_grace_period_is_the_same_as_none__rfc9700_s4_14_2(idp):
    app = web_app(idp, refresh_token_grace_period=0)
    first = sign_in(idp, app)
    second = refreshed(idp, app, first["refresh_token"])
    assert_invalid_grant(refresh(idp, app, first["refresh_token"]))
    assert_invalid_grant(refresh(idp, app, second["refresh_token"]))


@pytest.mark.parametrize("rotated", [GRACE], indirect=True)
def test_retry_within_the_grace_period_gets_the_same_tokens__rfc9700_s4_14_2(idp, rotated):
    idp.clock.advance(5)
    before = idp.clock.now()
    retry = refreshed(idp, rotated.app, rotated.first["refresh_token"])
    after = idp.clock.now()

    assert retry["access_token"] == rotated.second["access_token"]
    assert retry["refresh_token"] == rotated.second["refresh_token"]
    assert retry["id_token"] == rotated.second["id_token"]
    assert {**retry, "expires_in": None} == {**rotated.second, "expires_in": None}
    # expires_in still tells the truth about the same access token: it counted down.
    exp = claims_of(retry["access_token"])["exp"]
    assert exp - after <= retry["expires_in"] <= exp - before
    assert retry["expires_in"] <= rotated.second["expires_in"] - 5


@pytest.mark.parametrize("rotated", [GRACE], indirect=True)
def test_retry_within_the_grace_period_keeps_the_session_and_new_tokens__rfc9700_s4_14_2(
    idp, rotated
):
    refreshed(idp, rotated.app, rotated.first["refresh_token"])
    assert userinfo_status(idp, rotated.second["access_token"]) == 200
    assert has_sso_session(rotated.browser, rotated.app)
    third = refreshed(idp, rotated.app, rotated.second["refresh_token"])
    assert third["refresh_token"] != rotated.second["refresh_token"]
    assert userinfo_status(idp, third["access_token"]) == 200


@pytest.mark.parametrize("rotated", [GRACE], indirect=True)
def test_retries_within_the_grace_period_may_repeat__rfc9700_s4_14_2(idp, rotated):
    for _ in range(3):
        idp.clock.advance(5)
        retry = refreshed(idp, rotated.app, rotated.first["refresh_token"])
        assert retry["refresh_token"] == rotated.second["refresh_token"]


@pytest.mark.parametrize("rotated", [GRACE], indirect=True)
def test_retry_at_the_end_of_the_grace_period_still_gets_the_same_tokens__rfc9700_s4_14_2(
    idp, rotated
):
    rotated_at = claims_of(rotated.second["access_token"])["iat"]
    idp.clock.advance(rotated_at + GRACE - 3 - idp.clock.now())  # 3 s for the request
    retry = refreshed(idp, rotated.app, rotated.first["refresh_token"])
    assert retry["refresh_token"] == rotated.second["refresh_token"]


@pytest.mark.parametrize("rotated", [GRACE], indirect=True)
def test_retry_after_the_grace_period_is_reuse__rfc9700_s4_14_2(idp, rotated):
    idp.clock.advance(GRACE + 1)
    assert_invalid_grant(refresh(idp, rotated.app, rotated.first["refresh_token"]))
    assert_family_and_session_revoked(idp, rotated)


@pytest.mark.parametrize("rotated", [GRACE], indirect=True)
def test_old_token_after_the_new_one_was_used_is_reuse_within_the_grace__rfc9700_s4_14_2(
    idp, rotated
):
    """The client has moved on, so the old token is not a retry any more."""
    third = refreshed(idp, rotated.app, rotated.second["refresh_token"])
    assert_invalid_grant(refresh(idp, rotated.app, rotated.first["refresh_token"]))
    assert_invalid_grant(refresh(idp, rotated.app, third["refresh_token"]))
    assert userinfo_status(idp, third["access_token"]) == 401
    assert not has_sso_session(rotated.browser, rotated.app)


@pytest.mark.parametrize("rotated", [GRACE], indirect=True)
def test_retry_after_the_new_token_was_revoked_is_refused__rfc7009_s2_1(idp, rotated):
    revoked = revoke(idp, rotated.app, rotated.second["refresh_token"])
    assert revoked.status_code == 200, revoked.text
    assert_invalid_grant(refresh(idp, rotated.app, rotated.first["refresh_token"]))


@pytest.mark.parametrize("rotated", [GRACE], indirect=True)
def test_retry_by_another_client_gets_nothing__rfc6749_s6(idp, rotated):
    """The grace is for the client the token was issued to, and another client's
    attempt does not end the owner's family either."""
    other = web_app(idp, refresh_token_grace_period=GRACE)
    assert_invalid_grant(refresh(idp, other, rotated.first["refresh_token"]))
    third = refreshed(idp, rotated.app, rotated.second["refresh_token"])
    assert userinfo_status(idp, third["access_token"]) == 200
