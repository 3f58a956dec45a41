"""Wrong second-factor codes (RFC 6238 §5.2: a 6-digit code falls to guessing unless
attempts are limited) are throttled like passwords, per account: past the free ones
even the right code waits, then it signs in."""

from __future__ import annotations

import pytest

from tests.spec.owasp_brute_force.attempts import retry_after, wait_out
from tests.support.flows import LoopbackBrowser, create_user, register
from tests.support.second_factor import (
    authorization_request,
    enrol,
    is_second_factor_page,
    password_step,
    submit_code,
)

WRONG_CODE = "000000"


@pytest.fixture(scope="module")
def client(idp):
    return register(idp, first_party=True)[0]


def test_wrong_codes_then_429_then_the_right_code_after_the_wait__rfc6585_s4(idp, client):
    enrolled = enrol(idp, create_user(idp))
    with LoopbackBrowser(idp) as browser:
        page = password_step(browser, enrolled.user, authorization_request(client)[0])
        assert is_second_factor_page(page)
        for _ in range(idp.settings.throttle_free_attempts):
            assert submit_code(browser, page, WRONG_CODE).status_code == 401
        refused = submit_code(browser, page, enrolled.code(idp))  # even the right one
        assert retry_after(refused) <= idp.settings.throttle_base_delay
        assert "/second-factor" in refused.text  # the code page again, to try later
        wait_out(refused)
        assert submit_code(browser, page, enrolled.code(idp)).is_redirect


def test_the_codes_are_counted_per_account_across_addresses(idp, client):
    """Another address holding the password gets no fresh budget for the same account."""
    enrolled = enrol(idp, create_user(idp))
    for _ in range(idp.settings.throttle_free_attempts):
        with LoopbackBrowser(idp) as browser:
            page = password_step(browser, enrolled.user, authorization_request(client)[0])
            assert submit_code(browser, page, WRONG_CODE).status_code == 401
    with LoopbackBrowser(idp) as browser:
        page = password_step(browser, enrolled.user, authorization_request(client)[0])
        assert submit_code(browser, page, WRONG_CODE).status_code == 429
