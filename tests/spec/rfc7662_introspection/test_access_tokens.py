"""RFC 7662 §2.2: what a client learns about an access token. The client it was issued
to and the resource servers it is meant for see it active with its claims; anyone else,
and anyone asking about a revoked or malformed token, sees only ``{"active": false}``."""

from __future__ import annotations

import pytest

from tests.support.assertions import claims_of
from tests.support.flows import create_user
from tests.support.relying_party import (
    ORDERS_API,
    SCOPE,
    introspection,
    revoke,
    service_app,
    service_token,
    web_app,
)
from tests.support.sign_in import sign_in


def test_own_access_token_is_active_with_its_claims__rfc7662_s2_2(idp):
    app, user = web_app(idp), create_user(idp)
    token = sign_in(idp, app, user)["access_token"]
    body = introspection(idp, app, token)
    assert body["active"] is True
    assert body["scope"] == SCOPE
    assert body["client_id"] == app.client_id
    assert body["sub"] == user.id
    assert body["iss"] == idp.base_url
    assert body["token_type"] == "Bearer"
    assert body["exp"] - body["iat"] == idp.settings.access_token_ttl
    assert body["jti"] == claims_of(token)["jti"]


def test_unrelated_client_learns_nothing__rfc7662_s2_2(idp):
    app, stranger = web_app(idp), web_app(idp)
    token = sign_in(idp, app)["access_token"]
    assert introspection(idp, stranger, token) == {"active": False}


def test_resource_server_of_the_tokens_audience_sees_it_active__rfc7662_s2_2(idp):
    caller, resource_server = service_app(idp), service_app(idp)
    token = service_token(idp, caller, resource=ORDERS_API, scope="orders:read")
    body = introspection(idp, resource_server, token)
    assert body["active"] is True
    assert body["aud"] == ORDERS_API
    assert body["client_id"] == caller.client_id
    assert body["scope"] == "orders:read"


def test_resource_server_of_another_audience_learns_nothing__rfc7662_s2_2(idp):
    caller = service_app(idp)
    billing = service_app(idp, resources=["https://api.example/billing"])
    token = service_token(idp, caller, resource=ORDERS_API)
    assert introspection(idp, billing, token) == {"active": False}


def test_revoked_access_token_is_inactive__rfc7662_s2_2(idp):
    app = web_app(idp)
    token = sign_in(idp, app)["access_token"]
    assert introspection(idp, app, token)["active"] is True
    assert revoke(idp, app, token).status_code == 200
    assert introspection(idp, app, token) == {"active": False}


def test_access_token_revoked_with_its_refresh_token_is_inactive__rfc7662_s2_2(idp):
    app = web_app(idp)
    tokens = sign_in(idp, app)
    assert revoke(idp, app, tokens["refresh_token"]).status_code == 200
    assert introspection(idp, app, tokens["access_token"]) == {"active": False}


@pytest.mark.parametrize("token", ["garbage", "not.a.jwt", "eyJhbGciOiJub25lIn0.e30."])
def test_malformed_token_is_inactive__rfc7662_s2_2(idp, token):
    assert introspection(idp, web_app(idp), token) == {"active": False}


def test_tampered_access_token_is_inactive__rfc7662_s2_2(idp):
    app = web_app(idp)
    header, payload, signature = sign_in(idp, app)["access_token"].split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    assert introspection(idp, app, forged) == {"active": False}
