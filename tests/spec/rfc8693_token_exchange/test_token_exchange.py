"""RFC 8693: a service exchanges a user's access token for one meant for another
service, naming itself (or its actor) in ``act``."""

from __future__ import annotations

from tests.spec.rfc8693_token_exchange.exchange import (
    ACCESS_TOKEN_TYPE,
    BILLING,
    REFRESH_TOKEN_TYPE,
    SHIPPING,
    acting_service,
    exchange,
    exchange_client,
    user_token,
)
from tests.support.assertions import assert_oauth_error, verify_access_token
from tests.support.client_requests import post_form
from tests.support.flows import register


def exchanged_claims(idp, response):
    assert response.status_code == 200, response.text
    return verify_access_token(idp, response.json()["access_token"], audience=BILLING)


def test_delegation_token_names_the_user_and_the_acting_client__rfc8693_s4_1(idp):
    subject = user_token(idp)
    client, secret = exchange_client(idp)
    response = exchange(idp, client, secret, subject.access_token)
    claims = exchanged_claims(idp, response)
    assert response.json()["issued_token_type"] == ACCESS_TOKEN_TYPE
    assert response.json()["token_type"] == "Bearer"
    assert response.headers["cache-control"] == "no-store"
    assert claims["sub"] == subject.user.id
    assert claims["aud"] == BILLING
    assert claims["act"] == {"sub": client.client_id}
    assert claims["client_id"] == client.client_id


def test_actor_token_names_the_actor__rfc8693_s4_1(idp):
    subject = user_token(idp)
    actor, actor_token = acting_service(idp)
    client, secret = exchange_client(idp)
    response = exchange(
        idp,
        client,
        secret,
        subject.access_token,
        actor_token=actor_token,
        actor_token_type=ACCESS_TOKEN_TYPE,
    )
    claims = exchanged_claims(idp, response)
    assert claims["sub"] == subject.user.id
    assert claims["act"] == {"sub": actor.client_id}


def test_actor_token_without_its_type_is_invalid_request__rfc8693_s2_1(idp):
    subject = user_token(idp)
    _, actor_token = acting_service(idp)
    client, secret = exchange_client(idp)
    response = exchange(idp, client, secret, subject.access_token, actor_token=actor_token)
    assert_oauth_error(response, "invalid_request")


def test_exchanging_a_delegated_token_nests_the_prior_actor__rfc8693_s4_1(idp):
    subject = user_token(idp)
    first, first_secret = exchange_client(idp)
    delegated = exchange(idp, first, first_secret, subject.access_token)
    assert delegated.status_code == 200, delegated.text
    second, second_secret = exchange_client(idp, exchange_audiences=[SHIPPING])
    response = exchange(
        idp, second, second_secret, delegated.json()["access_token"], audience=SHIPPING
    )
    assert response.status_code == 200, response.text
    claims = verify_access_token(idp, response.json()["access_token"], audience=SHIPPING)
    assert claims["sub"] == subject.user.id
    assert claims["act"] == {"sub": second.client_id, "act": {"sub": first.client_id}}


def test_impersonating_client_gets_a_token_without_act__rfc8693_s1_1(idp):
    subject = user_token(idp)
    client, secret = exchange_client(idp, may_impersonate=True)
    claims = exchanged_claims(idp, exchange(idp, client, secret, subject.access_token))
    assert claims["sub"] == subject.user.id
    assert "act" not in claims


def test_audience_outside_the_client_policy_is_invalid_target__rfc8693_s2_2_2(idp):
    subject = user_token(idp)
    client, secret = exchange_client(idp)
    assert_oauth_error(
        exchange(idp, client, secret, subject.access_token, audience=SHIPPING), "invalid_target"
    )


def test_narrower_scope_is_granted__rfc8693_s2_1(idp):
    subject = user_token(idp)
    client, secret = exchange_client(idp)
    response = exchange(idp, client, secret, subject.access_token, scope="profile")
    assert exchanged_claims(idp, response)["scope"] == "profile"
    assert response.json()["scope"] == "profile"


def test_scope_wider_than_the_subject_token_is_invalid_scope__rfc8693_s2_2_2(idp):
    subject = user_token(idp)
    client, secret = exchange_client(idp)
    response = exchange(idp, client, secret, subject.access_token, scope="openid billing:admin")
    assert_oauth_error(response, "invalid_scope")


def test_revoked_subject_token_is_invalid_request__rfc8693_s2_2_2(idp):
    subject = user_token(idp)
    revoked = post_form(
        idp, "/revoke", {"token": subject.access_token, "client_id": subject.client.client_id}
    )
    assert revoked.status_code == 200, revoked.text
    client, secret = exchange_client(idp)
    assert_oauth_error(exchange(idp, client, secret, subject.access_token), "invalid_request")


def test_garbage_subject_token_is_invalid_request__rfc8693_s2_2_2(idp):
    client, secret = exchange_client(idp)
    assert_oauth_error(exchange(idp, client, secret, "not.a-token.at-all"), "invalid_request")


def test_missing_subject_token_type_is_invalid_request__rfc8693_s2_1(idp):
    subject = user_token(idp)
    client, secret = exchange_client(idp)
    response = exchange(idp, client, secret, subject.access_token, subject_token_type=None)
    assert_oauth_error(response, "invalid_request")


def test_refresh_token_cannot_be_requested__rfc8693_s2_2_2(idp):
    subject = user_token(idp)
    client, secret = exchange_client(idp)
    response = exchange(
        idp, client, secret, subject.access_token, requested_token_type=REFRESH_TOKEN_TYPE
    )
    assert_oauth_error(response, "invalid_request")


def test_no_audience_nor_resource_is_invalid_request__rfc8693_s2_1(idp):
    subject = user_token(idp)
    client, secret = exchange_client(idp)
    assert_oauth_error(
        exchange(idp, client, secret, subject.access_token, audience=None), "invalid_request"
    )


def test_resource_names_the_target_too__rfc8693_s2_1(idp):
    subject = user_token(idp)
    client, secret = exchange_client(idp)
    response = exchange(idp, client, secret, subject.access_token, audience=None, resource=BILLING)
    assert exchanged_claims(idp, response)["aud"] == BILLING


def test_client_without_the_grant_is_unauthorized_client__rfc8693_s2_2_2(idp):
    subject = user_token(idp)
    client, secret = register(
        idp, grant_types=["client_credentials"], exchange_audiences=[BILLING], redirect_uris=[]
    )
    assert_oauth_error(exchange(idp, client, secret, subject.access_token), "unauthorized_client")
