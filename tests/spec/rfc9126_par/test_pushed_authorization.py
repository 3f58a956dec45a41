"""RFC 9126: pushed authorization requests, without moving the clock (see
test_request_uri_expiry.py for that)."""

from __future__ import annotations

import httpx

from tests.spec.rfc9126_par.par import (
    REQUEST_URI_PREFIX,
    assert_error_page,
    open_request_uri,
    push,
    pushed,
)
from tests.support.assertions import assert_oauth_error
from tests.support.client_requests import redeem
from tests.support.flows import Browser, create_user, pkce_pair, query_of, register
from tests.support.sign_in import sign_in_from_page


def test_push_returns_a_request_uri__rfc9126_s2_2(idp):
    client, _ = register(idp, public=True, require_par=True)
    response, _ = push(idp, client)
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["request_uri"].startswith(REQUEST_URI_PREFIX)
    assert len(body["request_uri"]) > len(REQUEST_URI_PREFIX) + 20
    assert body["expires_in"] > 0


def test_request_uri_continues_to_a_working_code__rfc9126_s4(idp):
    client, _ = register(idp, public=True, require_par=True)
    user = create_user(idp)
    request_uri, verifier = pushed(idp, client)
    with Browser(idp) as browser:
        query = sign_in_from_page(
            browser, open_request_uri(browser, client.client_id, request_uri), user
        )
    assert query["state"] == "pushed-state"
    response = redeem(idp, client, query["code"], verifier)
    assert response.status_code == 200, response.text
    assert response.json()["id_token"]


def test_confidential_client_pushes_with_its_credentials__rfc9126_s2_1(idp):
    client, secret = register(idp)
    user = create_user(idp)
    request_uri, verifier = pushed(idp, client, secret)
    with Browser(idp) as browser:
        query = sign_in_from_page(
            browser, open_request_uri(browser, client.client_id, request_uri), user
        )
    assert redeem(idp, client, query["code"], verifier, secret).status_code == 200


def test_wrong_client_secret_at_par_is_invalid_client__rfc9126_s2_1(idp):
    client, _ = register(idp)
    response, _ = push(idp, client, "not-the-secret")
    assert_oauth_error(response, "invalid_client", status=401)


def test_request_uri_is_single_use__rfc9126_s4(idp):
    client, _ = register(idp, public=True)
    request_uri, _ = pushed(idp, client)
    with Browser(idp) as browser:
        first = open_request_uri(browser, client.client_id, request_uri)
        assert first.status_code == 200, first.text
        assert_error_page(
            open_request_uri(browser, client.client_id, request_uri), "invalid_request_uri"
        )


def test_request_uri_of_another_client_is_refused__rfc9126_s4(idp):
    owner, _ = register(idp, public=True)
    other, _ = register(idp, public=True)
    request_uri, _ = pushed(idp, owner)
    with Browser(idp) as browser:
        page = open_request_uri(browser, other.client_id, request_uri)
    assert_error_page(page, "invalid_request_uri")


def test_unregistered_redirect_uri_is_a_json_error__rfc9126_s2_3(idp):
    client, _ = register(idp, public=True)
    response, _ = push(idp, client, redirect_uri="https://attacker.example/cb")
    assert_oauth_error(response, "invalid_request")
    assert "location" not in response.headers


def test_public_client_without_pkce_is_a_json_error__rfc9126_s2_3(idp):
    client, _ = register(idp, public=True)
    response, _ = push(idp, client, code_challenge=None, code_challenge_method=None)
    assert_oauth_error(response, "invalid_request")
    assert "location" not in response.headers


def test_request_uri_inside_a_pushed_request_is_invalid_request__rfc9126_s2_1(idp):
    client, _ = register(idp, public=True)
    request_uri, _ = pushed(idp, client)
    response, _ = push(idp, client, request_uri=request_uri)
    assert_oauth_error(response, "invalid_request")


def test_plain_request_of_a_par_only_client_is_redirected_with_an_error__rfc9126_s6(idp):
    client, _ = register(idp, public=True, require_par=True)
    with Browser(idp) as browser:
        response = browser.authorize(
            response_type="code",
            client_id=client.client_id,
            redirect_uri=client.redirect_uris[0],
            scope="openid",
            state="plain-state",
            code_challenge=pkce_pair()[1],
            code_challenge_method="S256",
        )
    assert response.status_code == 302
    assert response.headers["location"].startswith(client.redirect_uris[0] + "?")
    query = query_of(response.headers["location"])
    assert query["error"] == "invalid_request"
    assert query["state"] == "plain-state"
    assert query["iss"] == idp.base_url


def test_discovery_lists_the_par_endpoint__rfc9126_s5(idp):
    metadata = httpx.get(f"{idp.base_url}/.well-known/openid-configuration", timeout=10).json()
    assert metadata["pushed_authorization_request_endpoint"] == f"{idp.base_url}/par"
