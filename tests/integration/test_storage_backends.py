"""The whole code flow on each storage backend: SQLite file and PostgreSQL over a real
connection. Everything the flow stores (sessions, interactions, consents, codes, refresh
tokens, revocations) goes through these tests."""

from __future__ import annotations

import httpx
import pytest

from tests.support.client_requests import redeem
from tests.support.flows import Browser, code_flow, create_user, register


@pytest.fixture
def idp(idp_on_each_backend):
    return idp_on_each_backend


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_code_flow_and_userinfo(idp):
    client, _ = register(idp, public=True, grant_types=["authorization_code", "refresh_token"])
    user = create_user(idp)
    query, verifier = code_flow(idp, client, user)
    tokens = redeem(idp, client, query["code"], verifier).json()
    assert {"access_token", "id_token", "refresh_token"} <= tokens.keys()
    info = httpx.get(f"{idp.base_url}/userinfo", headers=bearer(tokens["access_token"]))
    assert info.json()["sub"] == user.id


def test_consent_is_remembered(idp):
    client, _ = register(idp, public=True)
    user = create_user(idp)
    with Browser(idp) as browser:
        code_flow(idp, client, user, browser=browser)
        with idp.provider.store() as store:
            consented = store.load_consented_scope(user.id, client.client_id)
    assert set(consented) == {"openid", "profile", "email"}


def test_replayed_code_revokes_the_first_access_token__rfc6749_s4_1_2(idp):
    client, secret = register(idp, grant_types=["authorization_code", "refresh_token"])
    user = create_user(idp)
    query, verifier = code_flow(idp, client, user)
    first = redeem(idp, client, query["code"], verifier, secret=secret)
    assert first.status_code == 200
    replay = redeem(idp, client, query["code"], verifier, secret=secret)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    info = httpx.get(f"{idp.base_url}/userinfo", headers=bearer(first.json()["access_token"]))
    assert info.status_code == 401
