"""Offline access has an absolute end (RFC 9700 §4.14.2: refresh tokens may expire;
OIDC Core §11 offline_access): however often its refresh tokens rotate, they stop at
IDP_OFFLINE_ACCESS_MAX_LIFETIME after the login they came from (here 3600 s). Each
refresh token still has its own, shorter, sliding lifetime (here 900 s).
These tests run on a server of their own and move its clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.spec.rfc9700_refresh_grace.refresh import assert_invalid_grant
from tests.support.assertions import claims_of
from tests.support.databases import database_url
from tests.support.relying_party import OFFLINE_SCOPE, introspection, refresh, refreshed, web_app
from tests.support.server import RunningIdp, running_idp
from tests.support.sign_in import sign_in

CAP = 3600
REFRESH_TTL = 900
STEP = 600  # shorter than a refresh token's lifetime: the chain never breaks by itself


@pytest.fixture(scope="module")
def idp(tmp_path_factory) -> Iterator[RunningIdp]:
    directory = tmp_path_factory.mktemp("idp")
    with (
        database_url("sqlite", directory) as url,
        running_idp(url, directory, offline_access_max_lifetime=CAP) as server,
    ):
        yield server


def move_clock_to(idp: RunningIdp, moment: int) -> None:
    idp.clock.advance(max(0, moment - idp.clock.now()))


def test_offline_access_refreshes_until_the_cap_after_login_then_ends__rfc9700_s4_14_2(idp):
    app = web_app(idp, refresh_token_ttl=REFRESH_TTL)
    tokens = sign_in(idp, app, scope=OFFLINE_SCOPE)
    login = claims_of(tokens["id_token"])["auth_time"]
    assert tokens["scope"] == OFFLINE_SCOPE

    for elapsed in [*range(STEP, CAP, STEP), CAP - 60]:
        move_clock_to(idp, login + elapsed)
        tokens = refreshed(idp, app, tokens["refresh_token"])
        expires = introspection(idp, app, tokens["refresh_token"])["exp"]
        assert expires <= login + CAP, (elapsed, expires - login)

    # The newest refresh token ends exactly at the cap, not REFRESH_TTL after it was issued.
    assert introspection(idp, app, tokens["refresh_token"])["exp"] == login + CAP
    move_clock_to(idp, login + CAP)
    assert_invalid_grant(refresh(idp, app, tokens["refresh_token"]))
    assert introspection(idp, app, tokens["refresh_token"]) == {"active": False}


def test_first_offline_refresh_token_ends_at_the_cap_if_its_lifetime_is_longer__rfc9700_s4_14_2(
    idp,
):
    app = web_app(idp, refresh_token_ttl=2 * CAP)
    tokens = sign_in(idp, app, scope=OFFLINE_SCOPE)
    login = claims_of(tokens["id_token"])["auth_time"]
    assert introspection(idp, app, tokens["refresh_token"])["exp"] == login + CAP


def test_offline_refresh_tokens_still_slide_within_the_cap__rfc6749_s6(idp):
    """Below the cap, each rotation gives a refresh token its full lifetime again."""
    app = web_app(idp, refresh_token_ttl=REFRESH_TTL)
    tokens = sign_in(idp, app, scope=OFFLINE_SCOPE)
    first_expires = introspection(idp, app, tokens["refresh_token"])["exp"]
    idp.clock.advance(STEP)
    before = idp.clock.now()
    tokens = refreshed(idp, app, tokens["refresh_token"])
    expires = introspection(idp, app, tokens["refresh_token"])["exp"]
    assert expires >= before + REFRESH_TTL
    assert expires > first_expires
