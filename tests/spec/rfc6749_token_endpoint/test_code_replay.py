"""RFC 6749 §4.1.2, §10.5: a code is used once; a second use is refused and revokes the
tokens the first use issued."""

from __future__ import annotations

from tests.support.assertions import assert_oauth_error
from tests.support.client_requests import post_form, redeem
from tests.support.flows import register
from tests.support.relying_party import userinfo
from tests.support.sign_in import sign_in_for_code


def test_replayed_code_is_invalid_grant_and_revokes_first_tokens__rfc6749_s4_1_2(idp):
    client, _ = register(idp, public=True)
    code, verifier = sign_in_for_code(idp, client)
    first = redeem(idp, client, code, verifier)
    assert first.status_code == 200, first.text
    access_token = first.json()["access_token"]
    assert userinfo(idp, access_token).status_code == 200
    assert_oauth_error(redeem(idp, client, code, verifier), "invalid_grant")
    assert_oauth_error(userinfo(idp, access_token), "invalid_token", status=401)


def test_replayed_code_revokes_the_first_refresh_token__rfc6749_s4_1_2(idp):
    client, secret = register(idp, grant_types=["authorization_code", "refresh_token"])
    code, verifier = sign_in_for_code(idp, client)
    first = redeem(idp, client, code, verifier, secret)
    assert first.status_code == 200, first.text
    assert_oauth_error(redeem(idp, client, code, verifier, secret), "invalid_grant")
    refresh = {"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]}
    assert_oauth_error(
        post_form(idp, "/token", refresh, auth=(client.client_id, secret)), "invalid_grant"
    )
