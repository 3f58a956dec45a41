"""RFC 6749 §4.1.3, §5.2 and RFC 7636 §4.6: codes that may not be redeemed are
invalid_grant, and a rejected request leaves the code as it was."""

from __future__ import annotations

import pytest

from tests.support.assertions import assert_oauth_error
from tests.support.client_requests import redeem
from tests.support.flows import Browser, create_user, pkce_pair, register
from tests.support.sign_in import sign_in_for_code


def tampered(value: str) -> str:
    middle = len(value) // 2
    return value[:middle] + ("A" if value[middle] != "A" else "B") + value[middle + 1 :]


def test_unknown_code_is_invalid_grant__rfc6749_s5_2(idp):
    client, secret = register(idp)
    assert_oauth_error(redeem(idp, client, "never-issued", pkce_pair()[0], secret), "invalid_grant")


def test_tampered_code_is_invalid_grant__rfc6749_s5_2(idp):
    client, secret = register(idp)
    code, verifier = sign_in_for_code(idp, client)
    assert_oauth_error(redeem(idp, client, tampered(code), verifier, secret), "invalid_grant")


def test_code_issued_to_another_client_is_invalid_grant__rfc6749_s4_1_3(idp):
    owner, _ = register(idp, public=True)
    thief, thief_secret = register(idp)
    code, verifier = sign_in_for_code(idp, owner)
    assert_oauth_error(redeem(idp, thief, code, verifier, thief_secret), "invalid_grant")
    assert redeem(idp, owner, code, verifier).status_code == 200


@pytest.mark.parametrize("redirect_uri", ["https://app.example/other", None])
def test_redirect_uri_different_or_missing_is_invalid_grant__rfc6749_s4_1_3(idp, redirect_uri):
    client, secret = register(
        idp, redirect_uris=["https://app.example/cb", "https://app.example/other"]
    )
    code, verifier = sign_in_for_code(idp, client)
    response = redeem(idp, client, code, verifier, secret, redirect_uri=redirect_uri or "")
    assert_oauth_error(response, "invalid_grant")


@pytest.mark.parametrize(
    "bad_verifier",
    [None, pkce_pair()[0], "too-short", "x" * 129, "é" * 43],
    ids=["missing", "wrong", "too-short", "too-long", "not-unreserved"],
)
def test_bad_code_verifier_is_invalid_grant__rfc7636_s4_6(idp, bad_verifier):
    client, _ = register(idp, public=True)
    code, _ = sign_in_for_code(idp, client)
    assert_oauth_error(redeem(idp, client, code, bad_verifier), "invalid_grant")


def test_verifier_for_code_issued_without_pkce_is_invalid_grant__rfc7636_s4_6(idp):
    client, secret = register(idp)
    with Browser(idp) as browser:
        code = browser.sign_in(client, create_user(idp))["code"]
    assert_oauth_error(redeem(idp, client, code, pkce_pair()[0], secret), "invalid_grant")
    assert redeem(idp, client, code, None, secret).status_code == 200


def test_failed_redemption_leaves_the_code_redeemable_once__rfc6749_s5_2(idp):
    client, _ = register(idp, public=True)
    code, verifier = sign_in_for_code(idp, client)
    assert_oauth_error(redeem(idp, client, code, pkce_pair()[0]), "invalid_grant")
    assert redeem(idp, client, code, verifier).status_code == 200
    assert_oauth_error(redeem(idp, client, code, verifier), "invalid_grant")
