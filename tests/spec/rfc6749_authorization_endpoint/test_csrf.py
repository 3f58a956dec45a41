"""RFC 6749 §10.12: the authorization server protects its own forms against CSRF. The
login and consent forms carry a token bound to a cookie and to the form's purpose."""

from __future__ import annotations

import pytest

from tests.support.authorization import assert_error_page, log_in, open_authorize
from tests.support.cookies import set_cookie
from tests.support.flows import PASSWORD, Browser, csrf_token
from tests.support.pages import form_action, is_consent_page


def post_login(browser: Browser, page, **fields: str):
    return browser.http.post(form_action(page, "login"), data=fields)


def assert_refused_without_session(response) -> None:
    assert_error_page(response, 403)  # OWASP CSRF Prevention: the request is forbidden
    assert set_cookie(response, "idp_session") is None


def test_login_page_sets_the_csrf_cookie__rfc6749_s10_12(browser, client):
    page = open_authorize(browser, client)
    assert set_cookie(page, "idp_csrf") is not None
    assert csrf_token(page.text)


def test_login_without_csrf_token_is_refused__rfc6749_s10_12(browser, client, user):
    page = open_authorize(browser, client)
    response = post_login(browser, page, username=user.username, password=PASSWORD)
    assert_refused_without_session(response)


@pytest.mark.parametrize("token", ["0" * 64, "not-a-token"])
def test_login_with_wrong_csrf_token_is_refused__rfc6749_s10_12(browser, client, user, token):
    page = open_authorize(browser, client)
    response = post_login(
        browser, page, csrf_token=token, username=user.username, password=PASSWORD
    )
    assert_refused_without_session(response)


def test_login_without_csrf_cookie_is_refused__rfc6749_s10_12(browser, client, user):
    page = open_authorize(browser, client)
    browser.http.cookies.delete("idp_csrf")
    response = post_login(
        browser, page, csrf_token=csrf_token(page.text), username=user.username, password=PASSWORD
    )
    assert_refused_without_session(response)


def test_token_from_another_browser_is_refused__rfc6749_s10_12(idp, browser, client, user):
    with Browser(idp) as attacker:
        attacker_token = csrf_token(open_authorize(attacker, client).text)
    page = open_authorize(browser, client)
    response = post_login(
        browser, page, csrf_token=attacker_token, username=user.username, password=PASSWORD
    )
    assert_refused_without_session(response)


def test_login_token_does_not_validate_the_consent_form__rfc6749_s10_12(browser, client, user):
    login_page = open_authorize(browser, client)
    consent_page = browser.follow(browser.submit_login(login_page, user.username, PASSWORD))
    assert is_consent_page(consent_page)
    form = {"csrf_token": csrf_token(login_page.text), "decision": "allow"}
    assert_error_page(browser.http.post(form_action(consent_page, "consent"), data=form), 403)


def test_consent_without_csrf_token_is_refused__rfc6749_s10_12(browser, client, user):
    page = browser.follow(log_in(browser, client, user))
    response = browser.http.post(form_action(page, "consent"), data={"decision": "allow"})
    assert_error_page(response, 403)
    assert is_consent_page(open_authorize(browser, client))
