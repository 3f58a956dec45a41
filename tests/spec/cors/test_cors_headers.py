"""CORS (the Fetch standard's CORS protocol) for browser apps on another origin.

Discovery and the JWKS are public: any origin may read them. /token, /revoke and
/userinfo answer preflights, and let an origin read their answers, successes and errors
alike, only when it is a web origin of the client the request is about: by default the
origins of its redirect URIs, or the web origins it was registered with. No answer ever
allows credentials, and nothing else (authorization, pages, introspection) takes part
in CORS at all."""

from __future__ import annotations

import httpx
import pytest

from tests.spec.cors.cors import (
    OTHER_CALLBACK,
    OTHER_ORIGIN,
    SPA_CALLBACK,
    SPA_ORIGIN,
    assert_not_readable_cross_origin,
    assert_readable_by,
    code_for,
    cors_headers,
    exposed_headers,
    from_origin,
    node_that_keeps_its_client_cache,
    preflight,
    register_client,
    spa_client,
    tokens_for,
)
from tests.support.client_requests import post_form
from tests.support.flows import Browser, pkce_pair

PUBLIC_DOCUMENTS = ["/.well-known/openid-configuration", "/jwks"]


def post_token(idp, data, origin, **kwargs) -> httpx.Response:
    return post_form(idp, "/token", data, headers=from_origin(origin), **kwargs)


def get_userinfo(idp, access_token, origin) -> httpx.Response:
    headers = from_origin(origin, Authorization=f"Bearer {access_token}")
    return httpx.get(f"{idp.base_url}/userinfo", headers=headers, timeout=10)


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    with node_that_keeps_its_client_cache(tmp_path_factory.mktemp("idp")) as server:
        yield server


@pytest.fixture(scope="module")
def spa(idp):
    return spa_client(idp)


@pytest.fixture(scope="module")
def spa_tokens(idp, spa):
    return tokens_for(idp, spa)


# Public documents.


@pytest.mark.parametrize("path", PUBLIC_DOCUMENTS)
def test_public_document_is_readable_by_any_origin__fetch_cors_protocol(idp, path):
    response = httpx.get(f"{idp.base_url}{path}", headers=from_origin(OTHER_ORIGIN), timeout=10)
    assert response.status_code == 200, response.text
    assert_readable_by(response, "*")


# Preflights.


@pytest.mark.parametrize(
    ("path", "method"), [("/token", "POST"), ("/revoke", "POST"), ("/userinfo", "GET")]
)
def test_preflight_is_answered_with_methods_headers_and_max_age__fetch_cors_preflight(
    idp, path, method
):
    response = preflight(idp, path, SPA_ORIGIN, method)
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert_readable_by(response, SPA_ORIGIN)
    methods = {item.strip() for item in response.headers["access-control-allow-methods"].split(",")}
    assert method in methods
    allowed = response.headers["access-control-allow-headers"].lower()
    assert {item.strip() for item in allowed.split(",")} >= {"authorization", "content-type"}
    assert int(response.headers["access-control-max-age"]) > 0


def test_userinfo_preflight_allows_post_too__oidc_core_s5_3_1(idp):
    response = preflight(idp, "/userinfo", SPA_ORIGIN, "POST")
    assert response.status_code == 204, response.text
    methods = {item.strip() for item in response.headers["access-control-allow-methods"].split(",")}
    assert methods >= {"GET", "POST"}


# The token endpoint.


def test_token_response_is_readable_by_the_redirect_uris_origin__fetch_cors_protocol(idp, spa):
    response = post_token(idp, code_for(idp, spa), SPA_ORIGIN)
    assert response.status_code == 200, response.text
    assert "access_token" in response.json()
    assert_readable_by(response, SPA_ORIGIN)


def test_token_error_is_readable_by_the_clients_origin__rfc6749_s5_2(idp, spa):
    """The app must be able to read why it was refused (RFC 6749 §5.2)."""
    data = {**code_for(idp, spa), "code": "not-a-code"}
    response = post_token(idp, data, SPA_ORIGIN)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"
    assert_readable_by(response, SPA_ORIGIN)


def test_refresh_response_is_readable_by_the_clients_origin__fetch_cors_protocol(
    idp, spa, spa_tokens
):
    data = {
        "grant_type": "refresh_token",
        "refresh_token": spa_tokens["refresh_token"],
        "client_id": spa.client_id,
    }
    response = post_token(idp, data, SPA_ORIGIN)
    assert response.status_code == 200, response.text
    assert_readable_by(response, SPA_ORIGIN)


def test_token_response_is_not_readable_by_another_origin__fetch_cors_protocol(idp, spa):
    success = post_token(idp, code_for(idp, spa), OTHER_ORIGIN)
    assert success.status_code == 200, success.text
    assert_not_readable_cross_origin(success)
    error = post_token(idp, {**code_for(idp, spa), "code": "not-a-code"}, OTHER_ORIGIN)
    assert error.json()["error"] == "invalid_grant"
    assert_not_readable_cross_origin(error)


@pytest.mark.parametrize(
    "origin",
    [
        "http://spa.example",  # another scheme
        "https://spa.example:8443",  # another port
        "https://app.spa.example",  # a subdomain
        "https://spa.example.evil",  # a longer host
        "null",  # an opaque origin (sandboxed frames, file: pages)
    ],
)
def test_origin_must_match_exactly__rfc6454_s5(idp, spa, origin):
    response = post_token(idp, {**code_for(idp, spa), "code": "not-a-code"}, origin)
    assert response.status_code == 400, response.text
    assert_not_readable_cross_origin(response)


@pytest.mark.parametrize(
    ("redirect_uri", "origin"),
    [
        ("https://spa.example:8443/cb", "https://spa.example:8443"),
        ("https://spa.example:443/cb", "https://spa.example"),  # the default port is implied
        ("http://127.0.0.1:8080/app/callback.html", "http://127.0.0.1:8080"),
    ],
)
def test_web_origin_is_the_scheme_host_and_port_of_a_redirect_uri__rfc6454_s4(
    idp, redirect_uri, origin
):
    client = spa_client(idp, redirect_uris=[redirect_uri])
    response = post_token(idp, {**code_for(idp, client), "code": "not-a-code"}, origin)
    assert response.json()["error"] == "invalid_grant"
    assert_readable_by(response, origin)


def test_every_redirect_uris_origin_is_a_web_origin__fetch_cors_protocol(idp):
    client = spa_client(idp, redirect_uris=[SPA_CALLBACK, OTHER_CALLBACK])
    for origin in (SPA_ORIGIN, OTHER_ORIGIN):
        response = post_token(idp, {**code_for(idp, client), "code": "not-a-code"}, origin)
        assert_readable_by(response, origin)


def test_registered_web_origins_replace_the_redirect_uris_origins__fetch_cors_protocol(idp):
    client = spa_client(idp, web_origins=[OTHER_ORIGIN])
    mine = post_token(idp, code_for(idp, client), OTHER_ORIGIN)
    assert mine.status_code == 200, mine.text
    assert_readable_by(mine, OTHER_ORIGIN)
    redirect_uris_origin = post_token(idp, code_for(idp, client), SPA_ORIGIN)
    assert redirect_uris_origin.status_code == 200, redirect_uris_origin.text
    assert_not_readable_cross_origin(redirect_uris_origin)


def test_confidential_client_named_by_basic_auth_is_the_one_asked__fetch_cors_protocol(idp):
    """A backend-for-frontend posting with client_secret_basic from a page of its origin."""
    client, secret = register_client(idp, redirect_uris=[SPA_CALLBACK])
    assert secret is not None
    data = {**code_for(idp, client), "code": "not-a-code"}
    del data["client_id"]
    response = post_token(idp, data, SPA_ORIGIN, auth=(client.client_id, secret))
    assert response.json()["error"] == "invalid_grant"
    assert_readable_by(response, SPA_ORIGIN)


def test_client_authentication_failure_is_readable_with_its_challenge__rfc6749_s5_2(idp):
    client, _ = register_client(idp, redirect_uris=[SPA_CALLBACK])
    data = {"grant_type": "refresh_token", "refresh_token": "x"}
    response = post_token(idp, data, SPA_ORIGIN, auth=(client.client_id, "not the secret"))
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic ")
    assert_readable_by(response, SPA_ORIGIN)
    assert "www-authenticate" in exposed_headers(response)


def test_another_clients_origin_cannot_read_its_answers__fetch_cors_protocol(idp, spa):
    """Being some client's web origin is not enough: it must be the asking client's."""
    spa_client(idp, redirect_uris=[OTHER_CALLBACK])  # OTHER_ORIGIN belongs to a client
    response = post_token(idp, code_for(idp, spa), OTHER_ORIGIN)
    assert response.status_code == 200, response.text
    assert_not_readable_cross_origin(response)


def test_unknown_client_gets_no_cors_answer__fetch_cors_protocol(idp):
    data = {"grant_type": "refresh_token", "refresh_token": "x", "client_id": "nobody"}
    response = post_token(idp, data, SPA_ORIGIN)
    assert response.status_code == 401, response.text
    assert_not_readable_cross_origin(response)


# Revocation.


def test_revocation_answer_is_readable_by_the_clients_origin_only__rfc7009_s2_2(idp, spa):
    tokens = tokens_for(idp, spa)
    data = {"token": tokens["access_token"], "client_id": spa.client_id}
    other = post_form(idp, "/revoke", data, headers=from_origin(OTHER_ORIGIN))
    assert other.status_code == 200, other.text
    assert_not_readable_cross_origin(other)
    data = {"token": tokens["refresh_token"], "client_id": spa.client_id}
    mine = post_form(idp, "/revoke", data, headers=from_origin(SPA_ORIGIN))
    assert mine.status_code == 200, mine.text
    assert_readable_by(mine, SPA_ORIGIN)


# UserInfo: the client is the access token's.


def test_userinfo_is_readable_by_the_access_tokens_clients_origin__fetch_cors_protocol(
    idp, spa_tokens
):
    response = get_userinfo(idp, spa_tokens["access_token"], SPA_ORIGIN)
    assert response.status_code == 200, response.text
    assert_readable_by(response, SPA_ORIGIN)


def test_userinfo_by_post_is_readable_by_the_clients_origin__oidc_core_s5_3_1(idp, spa_tokens):
    response = post_form(
        idp,
        "/userinfo",
        {"access_token": spa_tokens["access_token"]},
        headers=from_origin(SPA_ORIGIN),
    )
    assert response.status_code == 200, response.text
    assert_readable_by(response, SPA_ORIGIN)


def test_userinfo_is_not_readable_by_another_origin__fetch_cors_protocol(idp, spa_tokens):
    spa_client(idp, redirect_uris=[OTHER_CALLBACK])  # OTHER_ORIGIN belongs to a client
    response = get_userinfo(idp, spa_tokens["access_token"], OTHER_ORIGIN)
    assert response.status_code == 200, response.text
    assert_not_readable_cross_origin(response)


def test_userinfo_answers_the_origin_of_the_tokens_client_not_another__fetch_cors_protocol(idp):
    """The same origin reads UserInfo for its own client's token, not for another's."""
    other_tokens = tokens_for(idp, spa_client(idp, redirect_uris=[OTHER_CALLBACK]))
    response = get_userinfo(idp, other_tokens["access_token"], SPA_ORIGIN)
    assert response.status_code == 200, response.text
    assert_not_readable_cross_origin(response)
    assert_readable_by(get_userinfo(idp, other_tokens["access_token"], OTHER_ORIGIN), OTHER_ORIGIN)


# Nothing else takes part in CORS.


def authorization_request(client) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uris[0],
        "scope": "openid",
        "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256",
    }


def test_authorization_endpoint_has_no_cors_headers__rfc6749_s3_1(idp, spa):
    with Browser(idp) as browser:
        response = browser.http.get(
            "/authorize", params=authorization_request(spa), headers=from_origin(SPA_ORIGIN)
        )
    assert response.is_redirect, response.text
    assert cors_headers(response) == {}


def test_interaction_page_has_no_cors_headers__fetch_cors_protocol(idp, spa):
    with Browser(idp) as browser:
        redirect = browser.authorize(**authorization_request(spa))
        assert redirect.is_redirect, redirect.text
        page = browser.http.get(redirect.headers["location"], headers=from_origin(SPA_ORIGIN))
    assert page.status_code == 200, page.text
    assert "/login" in page.text
    assert cors_headers(page) == {}


def test_device_page_has_no_cors_headers__rfc8628_s3_3(idp):
    response = httpx.get(f"{idp.base_url}/device", headers=from_origin(SPA_ORIGIN), timeout=10)
    assert response.status_code == 200, response.text
    assert cors_headers(response) == {}


def test_introspection_has_no_cors_headers_even_for_the_clients_origin__rfc7662_s2(idp):
    """Introspection is for resource servers, never for scripts in a browser."""
    client, secret = register_client(idp, redirect_uris=[SPA_CALLBACK])
    assert secret is not None
    tokens = tokens_for_confidential(idp, client, secret)
    response = post_form(
        idp,
        "/introspect",
        {"token": tokens["access_token"]},
        auth=(client.client_id, secret),
        headers=from_origin(SPA_ORIGIN),
    )
    assert response.status_code == 200, response.text
    assert response.json()["active"] is True
    assert cors_headers(response) == {}


@pytest.mark.parametrize("path", ["/authorize", "/introspect", "/device", "/par"])
def test_no_preflight_is_granted_elsewhere__fetch_cors_preflight(idp, path):
    response = preflight(idp, path, SPA_ORIGIN)
    assert response.status_code != 204
    assert cors_headers(response) == {}


def tokens_for_confidential(idp, client, secret) -> dict[str, str]:
    data = code_for(idp, client)
    del data["client_id"]
    response = post_form(idp, "/token", data, auth=(client.client_id, secret))
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens
