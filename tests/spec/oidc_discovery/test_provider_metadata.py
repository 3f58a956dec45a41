"""OIDC Discovery §3, §4.3 (RFC 8414 §2, §3.3): the provider metadata names this
server exactly and lists only what the other specs show to work."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.assertions import verify_id_token
from tests.support.flows import Browser, create_user, pkce_pair, query_of, register
from tests.support.sign_in import sign_in_for_tokens

ENDPOINTS = (
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "introspection_endpoint",
    "revocation_endpoint",
    "device_authorization_endpoint",
    "pushed_authorization_request_endpoint",
    "end_session_endpoint",  # oidc_logout
    "status_list_aggregation_endpoint",  # status_list
)


def metadata(idp) -> dict[str, Any]:
    response = httpx.get(f"{idp.base_url}/.well-known/openid-configuration", timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    document: dict[str, Any] = response.json()
    return document


def authorization_error(idp, **params: str) -> str:
    """The error an authorization request is redirected back with."""
    client, _ = register(idp, public=True)
    request = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uris[0],
        "scope": "openid",
        "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256",
        **params,
    }
    with Browser(idp) as browser:
        response = browser.authorize(**request)
    assert response.status_code == 302, response.text
    return query_of(response.headers["location"])["error"]


def test_issuer_is_exactly_the_base_url__oidc_discovery_s4_3(idp):
    assert metadata(idp)["issuer"] == idp.base_url


def test_every_listed_endpoint_is_under_the_issuer_and_answers__oidc_discovery_s3(idp):
    document = metadata(idp)
    assert set(ENDPOINTS) == {name for name in document if name.endswith(("_endpoint", "_uri"))}
    for name in ENDPOINTS:
        url = document[name]
        assert url.startswith(f"{idp.base_url}/"), (name, url)
        status = httpx.get(url, timeout=10).status_code
        assert status != 404, (name, url)
        assert status < 500, (name, url, status)


def test_only_the_code_response_type__oidc_discovery_s3(idp):
    assert metadata(idp)["response_types_supported"] == ["code"]
    assert authorization_error(idp, response_type="id_token") == "unsupported_response_type"


def test_only_s256_pkce__rfc8414_s2(idp):
    assert metadata(idp)["code_challenge_methods_supported"] == ["S256"]
    assert authorization_error(idp, code_challenge_method="plain") == "invalid_request"


def test_grant_types_are_those_the_specs_exercise__oidc_discovery_s3(idp):
    assert set(metadata(idp)["grant_types_supported"]) == {
        "authorization_code",  # rfc6749_token_endpoint
        "refresh_token",  # rfc6749_token_endpoint (test_code_replay)
        "client_credentials",  # rfc6749_client_credentials
        "urn:ietf:params:oauth:grant-type:device_code",  # rfc8628_device
        "urn:ietf:params:oauth:grant-type:token-exchange",  # rfc8693_token_exchange
    }


def test_token_endpoint_auth_methods_are_those_tested__oidc_discovery_s3(idp):
    document = metadata(idp)
    # rfc6749_token_endpoint/test_success.py and rfc7523_client_auth
    assert set(document["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none",
    }
    assert set(document["token_endpoint_auth_signing_alg_values_supported"]) == {
        "ES256",
        "RS256",
        "PS256",
        "EdDSA",
    }


def test_id_token_signing_algs_are_rs256_and_es256__oidc_discovery_s3(idp):
    # rfc6749_token_endpoint/test_id_token.py issues both
    assert set(metadata(idp)["id_token_signing_alg_values_supported"]) == {"RS256", "ES256"}


@pytest.mark.parametrize(
    ("parameter", "error"),
    [("request_uri", "request_uri_not_supported"), ("request", "request_not_supported")],
)
def test_request_objects_are_not_supported__oidc_discovery_s3(idp, parameter, error):
    assert metadata(idp)[f"{parameter}_parameter_supported"] is False
    assert authorization_error(idp, **{parameter: "https://app.example/request.jwt"}) == error


def test_public_subject_is_the_same_for_every_client__oidc_discovery_s3(idp):
    assert metadata(idp)["subject_types_supported"] == ["public"]
    user = create_user(idp)
    subjects = set()
    for _ in range(2):
        client, secret = register(idp)
        id_token = sign_in_for_tokens(idp, client, secret, user)["id_token"]
        subjects.add(verify_id_token(idp, id_token, client)["sub"])
    assert subjects == {user.id}


def test_claims_supported_covers_the_id_token_claims__oidc_discovery_s3(idp):
    client, secret = register(idp)
    id_token = sign_in_for_tokens(idp, client, secret, nonce="n")["id_token"]
    claims = verify_id_token(idp, id_token, client)
    assert set(claims) <= set(metadata(idp)["claims_supported"])
