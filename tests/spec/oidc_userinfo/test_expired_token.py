"""RFC 6750 §3.1: an expired access token is invalid_token. This module moves the
clock, so it has a server of its own."""

from __future__ import annotations

from tests.spec.oidc_userinfo.bearer import assert_bearer_error
from tests.support.flows import register
from tests.support.relying_party import userinfo
from tests.support.sign_in import sign_in_for_tokens


def test_expired_access_token_is_401_invalid_token__rfc6750_s3_1(idp):
    client, secret = register(idp)
    token = sign_in_for_tokens(idp, client, secret)["access_token"]
    assert userinfo(idp, token).status_code == 200
    idp.clock.advance(idp.settings.access_token_ttl + idp.settings.clock_leeway + 1)
    assert_bearer_error(userinfo(idp, token), "invalid_token", 401)
