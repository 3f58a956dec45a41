"""OIDC Core §3.1.2.1: max_age asks the OP to re-authenticate the end-user when the last
authentication is older than max_age seconds; max_age=0 is equivalent to prompt=login."""

from __future__ import annotations

import pytest

from tests.support.authorization import assert_code_issued, assert_redirected_error, open_authorize
from tests.support.pages import is_login_page
from tests.support.sign_in import sign_in_browser


@pytest.fixture
def frozen_clock(idp, monkeypatch):
    """The server's clock stands still: login and the next request share one second."""
    now = idp.clock.now()
    monkeypatch.setattr(idp.clock, "now", lambda: now)


def test_max_age_zero_asks_for_login_at_once__oidc_core_s3_1_2_1(
    frozen_clock, browser, client, user
):
    sign_in_browser(browser, client, user)
    assert is_login_page(open_authorize(browser, client, max_age="0"))


def test_login_older_than_max_age_asks_for_login__oidc_core_s3_1_2_1(idp, browser, client, user):
    sign_in_browser(browser, client, user)
    idp.clock.advance(120)
    assert is_login_page(open_authorize(browser, client, max_age="60"))


def test_login_within_max_age_needs_no_new_login__oidc_core_s3_1_2_1(idp, browser, client, user):
    sign_in_browser(browser, client, user)
    idp.clock.advance(120)
    assert_code_issued(open_authorize(browser, client, max_age="3600"), client)


def test_prompt_none_with_login_older_than_max_age_is_login_required__oidc_core_s3_1_2_6(
    idp, browser, client, user
):
    sign_in_browser(browser, client, user)
    idp.clock.advance(120)
    response = open_authorize(browser, client, max_age="60", prompt="none")
    assert_redirected_error(response, idp, client, "login_required")
