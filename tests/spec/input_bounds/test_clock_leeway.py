"""RFC 7519 §4.1.4 allows "some small leeway, usually no more than a few minutes, to
account for clock skew". Nodes whose clocks differ must accept each other's codes and
tokens near their expiry: IDP_CLOCK_LEEWAY seconds past ``exp`` an access token is
still good at UserInfo and introspection, and so is an authorization code at the token
endpoint; one second past the leeway, neither is. The leeway extends validity only:
a revoked token stays refused through it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from idp.authn.users import User
from idp.oauth.clients import Client
from tests.spec.input_bounds.inputs import assert_json_error, clock_stopped_at
from tests.support.assertions import verify_access_token
from tests.support.client_requests import post_form, redeem
from tests.support.databases import database_url
from tests.support.flows import code_flow, create_user, register
from tests.support.relying_party import userinfo
from tests.support.server import RunningIdp, running_idp

LEEWAY = 40  # not the default (15), so the setting is what is honoured
CODE_TTL = 60


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIdp]:
    directory: Path = tmp_path_factory.mktemp("idp")
    with (
        database_url("sqlite", directory) as url,
        running_idp(url, directory, clock_leeway=LEEWAY, authorization_code_ttl=CODE_TTL) as server,
    ):
        yield server


@pytest.fixture(scope="module")
def client(idp: RunningIdp) -> tuple[Client, str]:
    """Confidential, so it may introspect the tokens it was issued."""
    client, secret = register(idp)
    assert secret
    return client, secret


@pytest.fixture
def user(idp: RunningIdp) -> User:
    return create_user(idp)


def access_token(idp: RunningIdp, client: Client, secret: str, user: User) -> tuple[str, int]:
    query, verifier = code_flow(idp, client, user)
    response = redeem(idp, client, query["code"], verifier, secret)
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    return token, int(verify_access_token(idp, token)["exp"])


def introspect(idp: RunningIdp, client: Client, secret: str, token: str) -> dict:
    response = post_form(idp, "/introspect", {"token": token}, auth=(client.client_id, secret))
    assert response.status_code == 200, response.text
    return response.json()


def test_access_token_is_good_until_the_leeway_has_passed__rfc7519_s4_1_4(idp, client, user):
    client, secret = client
    token, exp = access_token(idp, client, secret, user)
    with clock_stopped_at(idp.clock, exp + LEEWAY - 1):
        assert userinfo(idp, token).status_code == 200
        assert introspect(idp, client, secret, token)["active"] is True
    with clock_stopped_at(idp.clock, exp + LEEWAY + 1):
        assert_json_error(userinfo(idp, token), "invalid_token", 401)
        assert introspect(idp, client, secret, token) == {"active": False}


def test_authorization_code_is_good_until_the_leeway_has_passed__rfc6749_s4_1_2(idp, client, user):
    client, secret = client
    issued_at = idp.clock.now()
    with clock_stopped_at(idp.clock, issued_at):
        late, late_verifier = code_flow(idp, client, user)
        too_late, too_late_verifier = code_flow(idp, client, user)
    with clock_stopped_at(idp.clock, issued_at + CODE_TTL + LEEWAY - 1):
        response = redeem(idp, client, late["code"], late_verifier, secret)
        assert response.status_code == 200, response.text
    with clock_stopped_at(idp.clock, issued_at + CODE_TTL + LEEWAY + 1):
        response = redeem(idp, client, too_late["code"], too_late_verifier, secret)
        assert_json_error(response, "invalid_grant", 400)


def test_a_revoked_access_token_stays_refused_through_the_leeway__rfc7009_s2(idp, client, user):
    client, secret = client
    token, exp = access_token(idp, client, secret, user)
    revoked = post_form(
        idp,
        "/revoke",
        {"token": token, "token_type_hint": "access_token"},
        auth=(client.client_id, secret),
    )
    assert revoked.status_code == 200, revoked.text
    assert_json_error(userinfo(idp, token), "invalid_token", 401)
    answers = {}
    for instant in (exp - 1, exp, exp + 1, exp + LEEWAY - 1):
        with clock_stopped_at(idp.clock, instant):
            active = introspect(idp, client, secret, token)["active"]
            answers[f"exp{instant - exp:+d}"] = (userinfo(idp, token).status_code, active)
    assert answers == dict.fromkeys(answers, (401, False))


def test_an_access_token_revoked_within_the_leeway_is_refused__rfc7009_s2(idp, client, user):
    """Revocation is accepted while the token is still accepted, so it must hold."""
    client, secret = client
    token, exp = access_token(idp, client, secret, user)
    with clock_stopped_at(idp.clock, exp + 1):
        assert userinfo(idp, token).status_code == 200  # the leeway at work
        revoked = post_form(idp, "/revoke", {"token": token}, auth=(client.client_id, secret))
        assert revoked.status_code == 200, revoked.text
        assert_json_error(userinfo(idp, token), "invalid_token", 401)
