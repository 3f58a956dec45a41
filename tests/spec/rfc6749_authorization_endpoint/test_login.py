"""The login page of an interaction: OIDC Core §3.1.2.3 (authenticate the end-user), the
prompt and login_hint parameters (§3.1.2.1), and failures that reveal nothing."""

from __future__ import annotations

import re

from tests.support.authorization import (
    assert_code_issued,
    assert_redirected_error,
    log_in,
    open_authorize,
)
from tests.support.cookies import set_cookie
from tests.support.flows import PASSWORD, create_user, csrf_token
from tests.support.pages import form_action, is_consent_page, is_login_page
from tests.support.sign_in import sign_in_browser

LOGIN_ERROR = re.compile(r'<p class="error"[^>]*>([^<]+)</p>')  # shown: not the empty passkey one


def failed_login(browser, client, username: str, password: str):
    page = open_authorize(browser, client)
    return browser.submit_login(page, username, password)


def test_first_visit_shows_the_login_page__oidc_core_s3_1_2_3(browser, client):
    assert is_login_page(open_authorize(browser, client))


def test_prompt_login_asks_again_despite_a_live_session__oidc_core_s3_1_2_1(browser, client, user):
    sign_in_browser(browser, client, user)
    assert_code_issued(open_authorize(browser, client), client)
    page = open_authorize(browser, client, prompt="login")
    assert is_login_page(page)
    response = browser.follow(browser.submit_login(page, user.username, PASSWORD))
    assert_code_issued(response, client)


def test_login_hint_fills_in_the_username__oidc_core_s3_1_2_1(browser, client):
    page = open_authorize(browser, client, login_hint="ada@example.com")
    assert re.search(r'name="username"[^>]*value="ada@example.com"', page.text)


def test_login_hint_is_escaped_in_the_page__oidc_core_s3_1_2_1(browser, client):
    page = open_authorize(browser, client, login_hint='"><script>alert(1)</script>')
    assert "<script>" not in page.text
    assert is_login_page(page)


def test_unknown_user_and_wrong_password_look_the_same__owasp_authn_error_messages(
    browser, client, user
):
    wrong_password = failed_login(browser, client, user.username, "wrong password")
    unknown_user = failed_login(browser, client, "no-such-user", PASSWORD)
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert LOGIN_ERROR.findall(wrong_password.text) == LOGIN_ERROR.findall(unknown_user.text)
    assert LOGIN_ERROR.findall(wrong_password.text) == ["The username or password is incorrect."]


def test_failed_login_sets_no_session_cookie__owasp_session_management(browser, client, user):
    response = failed_login(browser, client, user.username, "wrong password")
    assert response.status_code == 401
    assert set_cookie(response, "idp_session") is None


def test_disabled_user_cannot_log_in__owasp_authn_error_messages(idp, browser, client):
    user = create_user(idp)
    with idp.provider.store() as store:
        store.set_user_disabled(user.id, True, idp.clock.now())
    response = failed_login(browser, client, user.username, PASSWORD)
    assert response.status_code == 401
    assert LOGIN_ERROR.findall(response.text) == ["The username or password is incorrect."]
    assert set_cookie(response, "idp_session") is None


def test_disabling_a_user_stops_their_live_session_signing_in(idp, browser, client, user):
    sign_in_browser(browser, client, user)
    with idp.provider.store() as store:
        store.set_user_disabled(user.id, True, idp.clock.now())
    assert is_login_page(open_authorize(browser, client, scope="openid profile"))


def test_cancel_on_the_login_page_is_access_denied__rfc6749_s4_1_2_1(idp, browser, client):
    page = open_authorize(browser, client)
    form = {"csrf_token": csrf_token(page.text), "cancel": "1"}
    response = browser.http.post(form_action(page, "login"), data=form)
    assert_redirected_error(response, idp, client, "access_denied")


def test_successful_login_continues_to_consent__oidc_core_s3_1_2_4(browser, client, user):
    assert is_consent_page(browser.follow(log_in(browser, client, user)))
