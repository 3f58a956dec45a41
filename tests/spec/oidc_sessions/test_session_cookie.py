"""The SSO session cookie: HttpOnly and SameSite=Lax on the whole site (RFC 6265bis
§4.1.2), an unguessable id (OWASP Session Management: at least 128 bits here), and a new
id at every login so a planted one never becomes authenticated (session fixation)."""

from __future__ import annotations

import re

import pytest

from tests.support.authorization import (
    assert_code_issued,
    assert_redirected_error,
    log_in,
    open_authorize,
)
from tests.support.cookies import cookie_attributes, cookie_value, set_cookie
from tests.support.flows import PASSWORD, Browser, register

BASE64URL_128_BITS = re.compile(r"[A-Za-z0-9_-]{22,}")  # 22 characters carry 132 bits


def prompt_none_with(idp, client, session_id: str):
    """prompt=none from another browser that holds ``session_id``."""
    with Browser(idp) as other:
        other.http.cookies.set("idp_session", session_id)
        return open_authorize(other, client, prompt="none")


@pytest.fixture
def login_response(browser, client, user):
    return log_in(browser, client, user)


@pytest.mark.parametrize("name", ["idp_session", "idp_csrf"])
def test_cookies_are_httponly_samesite_lax_on_the_whole_site__rfc6265bis_s4_1_2(
    browser, client, user, name
):
    login_page = open_authorize(browser, client)
    response = browser.submit_login(login_page, user.username, PASSWORD)
    header = set_cookie(response, name) or set_cookie(login_page, name)
    attributes = cookie_attributes(header)
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "lax"
    assert attributes["path"] == "/"
    assert "domain" not in attributes


def test_session_cookie_lives_with_the_browser_session__owasp_session_management(
    login_response,
):
    attributes = cookie_attributes(set_cookie(login_response, "idp_session"))
    assert "max-age" not in attributes
    assert "expires" not in attributes


def test_session_id_has_at_least_128_bits__owasp_session_id_entropy(login_response):
    value = cookie_value(set_cookie(login_response, "idp_session"))
    assert BASE64URL_128_BITS.fullmatch(value), value


def test_planted_session_id_is_replaced_at_login__owasp_session_fixation(browser, client, user):
    browser.http.cookies.set("idp_session", "planted-by-an-attacker-0123456789")
    response = log_in(browser, client, user)
    assert cookie_value(set_cookie(response, "idp_session")) != "planted-by-an-attacker-0123456789"


def test_earlier_session_id_stops_working_after_a_new_login__owasp_session_fixation(
    idp, browser, user
):
    client, _ = register(idp, public=True, first_party=True)
    first = cookie_value(set_cookie(log_in(browser, client, user), "idp_session"))
    second = cookie_value(set_cookie(log_in(browser, client, user, prompt="login"), "idp_session"))
    assert first != second
    assert_redirected_error(prompt_none_with(idp, client, first), idp, client, "login_required")
    assert_code_issued(prompt_none_with(idp, client, second), client)


def test_session_cookie_signs_the_browser_in__oidc_core_s3_1_2_3(browser, client, user):
    browser.follow(browser.submit_consent(browser.follow(log_in(browser, client, user))))
    assert_code_issued(open_authorize(browser, client, prompt="none"), client)
