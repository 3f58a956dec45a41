"""RFC 6749 §4.1.2: authorization codes are short-lived (Tessera: 60 s). This module
moves the clock, so it has a server of its own."""

from __future__ import annotations

from tests.support.assertions import assert_oauth_error
from tests.support.client_requests import redeem
from tests.support.flows import register
from tests.support.sign_in import sign_in_for_code


def test_expired_code_is_invalid_grant__rfc6749_s4_1_2(idp):
    client, secret = register(idp)
    code, verifier = sign_in_for_code(idp, client)
    idp.clock.advance(idp.settings.authorization_code_ttl + idp.settings.clock_leeway + 1)
    assert_oauth_error(redeem(idp, client, code, verifier, secret), "invalid_grant")


def test_code_redeemed_just_before_expiry_works__rfc6749_s4_1_2(idp):
    client, secret = register(idp)
    code, verifier = sign_in_for_code(idp, client)
    idp.clock.advance(idp.settings.authorization_code_ttl - 5)
    assert redeem(idp, client, code, verifier, secret).status_code == 200
