"""Failed passkey assertions (WebAuthn L3 §7.2: a forged signature, a replayed or
cloned credential) are throttled like passwords: per address, and per the account the
credential names, when it names one; past the free ones even a good assertion waits
(RFC 6585 §4)."""

from __future__ import annotations

import pytest

from tests.spec.owasp_brute_force.attempts import login_page, retry_after, wait_out
from tests.support.assertions import assert_oauth_error
from tests.support.flows import Browser, LoopbackBrowser, create_user, register
from tests.support.webauthn import (
    SoftAuthenticator,
    b64url,
    passkey_sign_in,
    post_assertion,
    sign_in_options,
    with_passkey,
)


@pytest.fixture(scope="module")
def client(idp):
    return register(idp, first_party=True)[0]


def user_with_passkey(idp):
    authenticator = SoftAuthenticator.for_issuer(idp.issuer)
    user = create_user(idp)
    with Browser(idp) as setup:
        with_passkey(setup, authenticator, user.username)
    return user, authenticator


def test_failures_at_one_account_then_429_then_the_passkey_after_the_wait__rfc6585_s4(idp, client):
    _, authenticator = user_with_passkey(idp)
    with LoopbackBrowser(idp) as browser:
        page = login_page(browser, client)
        for _ in range(idp.settings.throttle_free_attempts):
            answer = passkey_sign_in(browser, page, authenticator, bad_signature=True)
            assert_oauth_error(answer, "access_denied", 403)
        refused = passkey_sign_in(browser, page, authenticator)  # even a good one waits
        assert_oauth_error(refused, "invalid_request", 429)
        assert "Too many failed attempts" in refused.json()["error_description"]
        assert retry_after(refused) <= idp.settings.throttle_base_delay
        wait_out(refused)
        assert passkey_sign_in(browser, page, authenticator).status_code == 200


def test_failures_at_one_account_are_counted_across_addresses(idp, client):
    _, authenticator = user_with_passkey(idp)
    free = idp.settings.throttle_account_free_attempts
    browsers = [LoopbackBrowser(idp) for _ in range(free + 1)]
    try:
        # Each address's assertion made first, then all sent within the first window.
        ready = []
        for browser in browsers:
            page = login_page(browser, client)
            ready.append((browser, page, authenticator.get(sign_in_options(browser, page))))
        for browser, page, assertion in ready[:free]:
            assertion["response"]["signature"] = assertion["response"]["signature"][::-1]
            assert post_assertion(browser, page, assertion).status_code == 403
        browser, page, assertion = ready[free]
        assert_oauth_error(post_assertion(browser, page, assertion), "invalid_request", 429)
    finally:
        for browser in browsers:
            browser.http.close()


def test_unknown_credentials_are_counted_per_address(idp, client):
    stranger = SoftAuthenticator.for_issuer(idp.issuer)
    stranger.create({"user": {"id": b64url(b"nobody")}, "challenge": b64url(b"x" * 32)})
    with LoopbackBrowser(idp) as browser:
        page = login_page(browser, client)
        for _ in range(idp.settings.throttle_address_free_attempts):
            assert passkey_sign_in(browser, page, stranger).status_code == 403
        assert_oauth_error(passkey_sign_in(browser, page, stranger), "invalid_request", 429)
    with LoopbackBrowser(idp) as elsewhere:  # another address is not held back
        assert (
            passkey_sign_in(elsewhere, login_page(elsewhere, client), stranger).status_code == 403
        )
