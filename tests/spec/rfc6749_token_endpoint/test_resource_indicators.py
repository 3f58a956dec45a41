"""Resource indicators in the code flow (RFC 8707 §2.1, §2.2): named at the authorization
endpoint, they become the access token's audience; the token endpoint may narrow them,
never add one."""

from __future__ import annotations

from tests.support.assertions import assert_oauth_error, verify_access_token
from tests.support.client_requests import redeem
from tests.support.flows import register
from tests.support.sign_in import sign_in_for_code

ORDERS, BILLING = "https://api.example/orders", "https://api.example/billing"


def client_with_code(idp, **params):
    """A first-party client for both resources, and a code for it (with its verifier)."""
    client, secret = register(idp, first_party=True, resources=[ORDERS, BILLING])
    code, verifier = sign_in_for_code(idp, client, **params)
    return client, secret, code, verifier


def test_resource_named_at_authorization_is_the_audience__rfc8707_s2_1(idp):
    client, secret, code, verifier = client_with_code(idp, resource=ORDERS)
    tokens = redeem(idp, client, code, verifier, secret=secret).json()
    assert verify_access_token(idp, tokens["access_token"], audience=ORDERS)["aud"] == ORDERS


def test_token_request_may_narrow_the_resources__rfc8707_s2_2(idp):
    client, secret, code, verifier = client_with_code(idp, resource=[ORDERS, BILLING])  # repeated
    tokens = redeem(idp, client, code, verifier, secret=secret, resource=BILLING).json()
    assert verify_access_token(idp, tokens["access_token"], audience=BILLING)["aud"] == BILLING


def test_token_request_cannot_add_a_resource__rfc8707_s2_2(idp):
    client, secret, code, verifier = client_with_code(idp, resource=ORDERS)
    response = redeem(idp, client, code, verifier, secret=secret, resource=BILLING)
    assert_oauth_error(response, "invalid_target")
