"""RFC 7515 §4.1: ``alg``, ``kid`` and ``typ`` are strings, and a JOSE header is a JSON
object. A token whose header breaks that is not one of ours: whoever presents it, with or
without client credentials, gets the answer any other invalid token gets (RFC 6750 §3.1,
RFC 7662 §2.2, RFC 7009 §2.2, RFC 8693 §2.2.2), never a server error."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from idp.oauth.clients import Client
from tests.spec.input_bounds.inputs import (
    access_token_claims,
    assert_json_error,
    crafted_jwt,
    signing_kid,
)
from tests.support.client_requests import post_form, redeem
from tests.support.flows import code_flow, create_user, register
from tests.support.relying_party import userinfo
from tests.support.server import RunningIdp

EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # RFC 8693 §3
BILLING = "https://api.example/billing"


def header_variants(kid: str) -> dict[str, Any]:
    """Headers that look like ours except for the JSON type of one member, or of the
    header itself."""
    ours = {"alg": "ES256", "typ": "at+jwt", "kid": kid}
    without_kid = {"alg": "ES256", "typ": "at+jwt"}
    return {
        "typ-number": {**ours, "typ": 1},
        "typ-null": {**ours, "typ": None},
        "typ-list": {**ours, "typ": ["at+jwt"]},
        "alg-list": {**ours, "alg": ["ES256"]},
        "alg-object": {**ours, "alg": {}},
        "alg-null": {**ours, "alg": None},
        "kid-number": {**ours, "kid": 5},
        "kid-list": {**ours, "kid": [kid]},
        "kid-object": {**ours, "kid": {"kid": kid}},
        "kid-missing": without_kid,
        "header-list": ["ES256", "at+jwt", kid],
        "header-string": "at+jwt",
        "header-number": 1,
        "header-null": None,
    }


VARIANTS = list(header_variants("kid"))


@pytest.fixture(scope="module")
def kid(idp: RunningIdp) -> str:
    return signing_kid(idp)


@pytest.fixture(params=VARIANTS)
def crafted(request: pytest.FixtureRequest, idp: RunningIdp, kid: str) -> str:
    """A token with one of the malformed headers, a payload like ours and junk for a
    signature."""
    return crafted_jwt(header_variants(kid)[request.param], access_token_claims(idp))


@pytest.fixture(scope="module")
def resource_server(idp: RunningIdp) -> tuple[Client, str]:
    """A confidential client, allowed to introspect and revoke."""
    client, secret = register(idp)
    assert secret
    return client, secret


@pytest.fixture(scope="module")
def exchanger(idp: RunningIdp) -> tuple[Client, str]:
    client, secret = register(
        idp, grant_types=[EXCHANGE_GRANT], redirect_uris=[], exchange_audiences=[BILLING]
    )
    assert secret
    return client, secret


@pytest.fixture(scope="module")
def user_access_token(idp: RunningIdp) -> str:
    """A real access token of a signed-in user, for the exchanges that need one."""
    client = register(idp, public=True)[0]
    query, verifier = code_flow(idp, client, create_user(idp))
    response = redeem(idp, client, query["code"], verifier)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def assert_invalid_token(response: httpx.Response) -> None:
    """RFC 6750 §3.1: 401, invalid_token in the body and in the Bearer challenge."""
    assert_json_error(response, "invalid_token", 401)
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer "), challenge
    assert 'error="invalid_token"' in challenge, challenge


def test_userinfo_get_refuses_a_malformed_header__rfc6750_s3_1(idp, crafted):
    response = userinfo(idp, crafted, method="GET")
    assert_invalid_token(response)


def test_userinfo_post_refuses_a_malformed_header__rfc6750_s3_1(idp, crafted):
    response = userinfo(idp, crafted, method="POST")
    assert_invalid_token(response)


def test_userinfo_post_refuses_a_malformed_header_in_the_form__rfc6750_s2_2(idp, crafted):
    response = post_form(idp, "/userinfo", {"access_token": crafted})
    assert_invalid_token(response)


def test_introspection_calls_a_malformed_header_inactive__rfc7662_s2_2(
    idp, crafted, resource_server
):
    client, secret = resource_server
    response = post_form(idp, "/introspect", {"token": crafted}, auth=(client.client_id, secret))
    assert response.status_code == 200, response.text
    assert response.json() == {"active": False}


def test_revocation_of_a_malformed_header_answers_200__rfc7009_s2_2(idp, crafted, resource_server):
    client, secret = resource_server
    response = post_form(idp, "/revoke", {"token": crafted}, auth=(client.client_id, secret))
    assert response.status_code == 200, response.text


def test_introspection_without_credentials_is_invalid_client__rfc7662_s2_1(idp, crafted):
    response = post_form(idp, "/introspect", {"token": crafted})
    assert_json_error(response, "invalid_client", 401)


def test_revocation_without_credentials_is_invalid_client__rfc7009_s2_1(idp, crafted):
    response = post_form(idp, "/revoke", {"token": crafted})
    assert_json_error(response, "invalid_client", 401)


def test_malformed_subject_token_is_invalid_request__rfc8693_s2_2_2(idp, crafted, exchanger):
    client, secret = exchanger
    response = post_form(
        idp,
        "/token",
        {
            "grant_type": EXCHANGE_GRANT,
            "subject_token": crafted,
            "subject_token_type": ACCESS_TOKEN_TYPE,
            "audience": BILLING,
        },
        auth=(client.client_id, secret),
    )
    assert_json_error(response, "invalid_request", 400)


def test_malformed_actor_token_is_invalid_request__rfc8693_s2_2_2(
    idp, crafted, exchanger, user_access_token
):
    client, secret = exchanger
    response = post_form(
        idp,
        "/token",
        {
            "grant_type": EXCHANGE_GRANT,
            "subject_token": user_access_token,
            "subject_token_type": ACCESS_TOKEN_TYPE,
            "actor_token": crafted,
            "actor_token_type": ACCESS_TOKEN_TYPE,
            "audience": BILLING,
        },
        auth=(client.client_id, secret),
    )
    assert_json_error(response, "invalid_request", 400)
