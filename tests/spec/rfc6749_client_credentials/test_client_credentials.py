"""RFC 6749 §4.4: the client credentials grant, with JWT access tokens (RFC 9068 §2.2)
and resource indicators (RFC 8707)."""

from __future__ import annotations

import pytest

from idp.oauth.clients import InvalidClientMetadataError
from tests.support.assertions import assert_oauth_error, verify_access_token
from tests.support.client_requests import client_credentials
from tests.support.flows import register

ORDERS = "https://api.example/orders"
INVOICES = "https://api.example/invoices"


def service(idp, **options):
    options.setdefault("grant_types", ["client_credentials"])
    options.setdefault("scope", "orders:read orders:write")
    options.setdefault("resources", [ORDERS])
    return register(idp, **options)


def test_token_is_an_at_jwt_whose_subject_is_the_client__rfc9068_s2_2(idp):
    client, secret = service(idp)
    response = client_credentials(idp, client, secret, scope="orders:read")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "orders:read"
    claims = verify_access_token(idp, body["access_token"])
    assert claims["sub"] == client.client_id
    assert claims["client_id"] == client.client_id
    assert claims["scope"] == "orders:read"
    assert "sid" not in claims
    assert "auth_time" not in claims


def test_default_scope_is_every_registered_service_scope__rfc6749_s3_3(idp):
    client, secret = service(idp, scope="openid profile orders:read orders:write")
    response = client_credentials(idp, client, secret)
    assert response.status_code == 200, response.text
    assert set(response.json()["scope"].split()) == {"orders:read", "orders:write"}
    claims = verify_access_token(idp, response.json()["access_token"])
    assert set(claims["scope"].split()) == {"orders:read", "orders:write"}


def test_no_refresh_token_even_for_a_client_with_that_grant__rfc6749_s4_4_3(idp):
    client, secret = service(idp, grant_types=["client_credentials", "refresh_token"])
    response = client_credentials(idp, client, secret)
    assert response.status_code == 200, response.text
    assert "refresh_token" not in response.json()


def test_unregistered_scope_is_invalid_scope__rfc6749_s5_2(idp):
    client, secret = service(idp)
    assert_oauth_error(
        client_credentials(idp, client, secret, scope="orders:read orders:delete"),
        "invalid_scope",
    )


def test_openid_scope_without_a_user_is_invalid_scope__rfc6749_s4_4_2(idp):
    client, secret = service(idp, scope="openid orders:read")
    assert_oauth_error(client_credentials(idp, client, secret, scope="openid"), "invalid_scope")


def test_resource_becomes_the_audience__rfc8707_s2(idp):
    client, secret = service(idp)
    response = client_credentials(idp, client, secret, resource=ORDERS)
    assert response.status_code == 200, response.text
    assert verify_access_token(idp, response.json()["access_token"], audience=ORDERS)["aud"] == (
        ORDERS
    )


def test_two_resources_give_both_audiences__rfc8707_s2(idp):
    client, secret = service(idp, resources=[ORDERS, INVOICES])
    response = client_credentials(idp, client, secret, resource=[ORDERS, INVOICES])
    assert response.status_code == 200, response.text
    claims = verify_access_token(idp, response.json()["access_token"], audience=INVOICES)
    assert sorted(claims["aud"]) == sorted([ORDERS, INVOICES])


def test_unregistered_resource_is_invalid_target__rfc8707_s2(idp):
    client, secret = service(idp)
    assert_oauth_error(client_credentials(idp, client, secret, resource=INVOICES), "invalid_target")


@pytest.mark.parametrize("resource", [f"{ORDERS}#section", "/orders"])
def test_resource_must_be_absolute_without_fragment__rfc8707_s2(idp, resource):
    client, secret = service(idp)
    assert_oauth_error(client_credentials(idp, client, secret, resource=resource), "invalid_target")


def test_public_client_cannot_register_the_grant__rfc6749_s4_4(idp):
    with pytest.raises(InvalidClientMetadataError):
        register(idp, public=True, grant_types=["client_credentials"], redirect_uris=[])


def test_client_without_the_grant_is_unauthorized_client__rfc6749_s5_2(idp):
    client, secret = register(idp, scope="openid orders:read")
    assert_oauth_error(client_credentials(idp, client, secret), "unauthorized_client")


def test_wrong_secret_is_invalid_client_with_401__rfc6749_s5_2(idp):
    client, _ = service(idp)
    response = client_credentials(idp, client, "not-the-secret")
    assert_oauth_error(response, "invalid_client", status=401)
    assert response.headers["www-authenticate"].startswith("Basic")
