"""RFC 8693 §2.2.2: an expired subject token. This module moves the server clock."""

from __future__ import annotations

from tests.spec.rfc8693_token_exchange.exchange import exchange, exchange_client, user_token
from tests.support.assertions import assert_oauth_error, verify_access_token


def test_expired_subject_token_is_invalid_request__rfc8693_s2_2_2(idp):
    subject = user_token(idp)
    client, secret = exchange_client(idp)
    expires_at = verify_access_token(idp, subject.access_token)["exp"]
    idp.clock.advance(expires_at - idp.clock.now() - 5)
    assert exchange(idp, client, secret, subject.access_token).status_code == 200
    idp.clock.advance(5 + idp.settings.clock_leeway)
    assert_oauth_error(exchange(idp, client, secret, subject.access_token), "invalid_request")
