"""Logout tokens (OIDC Back-Channel Logout 1.0 §2.6): one Tessera really sends when a
session ends, and every rule it must keep; a replay is refused."""

from __future__ import annotations

import time

import jwt
import pytest

from idp.keys.signing import Algorithm
from idp.rp import InvalidAudience, InvalidClaims, InvalidTokenType, ReplayedToken, SeenTokens
from tests.rp.tokens import signed
from tests.support.flows import Browser, create_user
from tests.support.logout_receiver import logout_receiver
from tests.support.relying_party import web_app
from tests.support.sign_in import sign_in

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


@pytest.fixture(scope="module")
def delivered(idp):
    """A web app with a back-channel logout URI, the ID token of a sign-in, and the
    logout token Tessera POSTed to it when the user logged out."""
    with logout_receiver() as receiver, Browser(idp) as browser:
        app = web_app(idp, backchannel_logout_uri=receiver.backchannel_uri)
        tokens = sign_in(idp, app, create_user(idp), browser=browser)
        browser.http.get("/logout", params={"id_token_hint": tokens["id_token"]})
        [form] = receiver.wait_for_posts(1)
    return app, tokens["id_token"], form["logout_token"]


def logout_claims(idp, app, **changes):
    now = idp.clock.now()
    claims = {
        "iss": idp.issuer,
        "aud": app.client_id,
        "iat": now,
        "exp": now + 120,
        "jti": f"jti-{time.monotonic_ns()}",
        "sub": "user-1",
        "sid": "sid-1",
        "events": {LOGOUT_EVENT: {}},
        **changes,
    }
    return {name: value for name, value in claims.items() if value is not None}


def logout_token(idp, app, typ="logout+jwt", **changes):
    return signed(idp, logout_claims(idp, app, **changes), typ=typ, alg=Algorithm.RS256)


def test_the_logout_token_of_an_ended_session__bcl_s2_6(provider, delivered):
    app, id_token, token = delivered
    claims = provider.validate_logout_token(token, client_id=app.client_id)
    session = jwt.decode(id_token, options={"verify_signature": False})
    assert (claims["sid"], claims["sub"]) == (session["sid"], session["sub"])
    assert LOGOUT_EVENT in claims["events"]


def test_a_logout_token_received_twice_is_refused__bcl_s2_6_step_8(provider, delivered):
    app, _, token = delivered
    provider.validate_logout_token(token, client_id=app.client_id)
    with pytest.raises(ReplayedToken):
        provider.validate_logout_token(token, client_id=app.client_id)


def test_a_logout_token_for_another_client_is_refused__bcl_s2_6_step_3(provider, idp, delivered):
    _, _, token = delivered
    with pytest.raises(InvalidAudience):
        provider.validate_logout_token(token, client_id=web_app(idp).client_id)


@pytest.mark.parametrize(
    "changes",
    [
        {"events": None},
        {"events": {"http://schemas.openid.net/event/other": {}}},
        {"events": {LOGOUT_EVENT: "yes"}},
        {"events": [LOGOUT_EVENT]},
        {"sid": None, "sub": None},
        {"nonce": "n-0S6_WzA2Mj"},
        {"jti": None},
        {"iat": None},
        {"exp": None},
    ],
    ids=repr,
)
def test_what_a_logout_token_must_hold__bcl_s2_6(provider, idp, delivered, changes):
    app, _, _ = delivered
    with pytest.raises(InvalidClaims):
        provider.validate_logout_token(logout_token(idp, app, **changes), client_id=app.client_id)


@pytest.mark.parametrize("present", ["sid", "sub"])
def test_sid_or_sub_is_enough__bcl_s2_4(provider, idp, delivered, present):
    app, _, _ = delivered
    absent = {"sid": "sub", "sub": "sid"}[present]
    token = logout_token(idp, app, **{absent: None})
    assert present in provider.validate_logout_token(token, client_id=app.client_id)


def test_an_untyped_logout_token_is_accepted__bcl_s2_4(provider, idp, delivered):
    app, _, _ = delivered
    token = logout_token(idp, app, typ=None)
    assert provider.validate_logout_token(token, client_id=app.client_id)


@pytest.mark.parametrize("typ", ["JWT", "at+jwt", "secevent+jwt"])
def test_another_kind_of_token_is_no_logout_token__rfc8725_s3_11(provider, idp, delivered, typ):
    app, _, _ = delivered
    with pytest.raises(InvalidTokenType):
        provider.validate_logout_token(logout_token(idp, app, typ=typ), client_id=app.client_id)


def test_an_id_token_is_no_logout_token__bcl_s2_6(provider, delivered):
    app, id_token, _ = delivered
    with pytest.raises(InvalidTokenType):
        provider.validate_logout_token(id_token, client_id=app.client_id)


def test_seen_tokens_are_remembered_until_they_expire():
    seen = SeenTokens(capacity=3)
    seen.check_and_remember("a", until=100, now=0)
    with pytest.raises(ReplayedToken):
        seen.check_and_remember("a", until=100, now=50)
    seen.check_and_remember("a", until=200, now=100)  # expired: it may come again
    assert len(seen) == 1


def test_seen_tokens_are_bounded_oldest_first():
    seen = SeenTokens(capacity=3)
    for jti in "abcd":
        seen.check_and_remember(jti, until=100, now=0)
    assert len(seen) == 3
    seen.check_and_remember("a", until=100, now=0)  # forgotten first
    with pytest.raises(ReplayedToken):
        seen.check_and_remember("d", until=100, now=0)
