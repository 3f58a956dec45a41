"""OIDC Core §3.1.2.4: consent is asked of the end-user for a third-party client, once per
user, client and scope; prompt=consent asks again; a denial is access_denied
(RFC 6749 §4.1.2.1)."""

from __future__ import annotations

from tests.support.authorization import (
    assert_code_issued,
    assert_redirected_error,
    log_in,
    open_authorize,
)
from tests.support.flows import Browser, create_user, register
from tests.support.pages import is_consent_page
from tests.support.sign_in import sign_in_browser


def test_third_party_client_asks_for_consent_with_the_scopes__oidc_core_s3_1_2_4(
    browser, client, user
):
    page = browser.follow(log_in(browser, client, user, scope="openid email"))
    assert is_consent_page(page)
    assert "See your email address" in page.text
    assert "See your name" not in page.text


def test_first_party_client_skips_consent__oidc_core_s3_1_2_4(idp, browser, user):
    first_party, _ = register(idp, public=True, first_party=True)
    assert_code_issued(browser.follow(log_in(browser, first_party, user)), first_party)


def test_consent_is_remembered_for_the_same_scopes__oidc_core_s3_1_2_4(browser, client, user):
    sign_in_browser(browser, client, user)
    assert_code_issued(open_authorize(browser, client), client)
    assert_code_issued(open_authorize(browser, client, scope="openid"), client)


def test_wider_scope_asks_for_consent_again__oidc_core_s3_1_2_4(browser, client, user):
    sign_in_browser(browser, client, user)
    assert is_consent_page(open_authorize(browser, client, scope="openid profile email"))


def test_consent_is_per_client__oidc_core_s3_1_2_4(idp, browser, client, user):
    sign_in_browser(browser, client, user)
    other_client, _ = register(idp, public=True)
    assert is_consent_page(open_authorize(browser, other_client))


def test_consent_is_per_user__oidc_core_s3_1_2_4(idp, browser, client, user):
    sign_in_browser(browser, client, user)
    with Browser(idp) as other_browser:
        page = other_browser.follow(log_in(other_browser, client, create_user(idp)))
        assert is_consent_page(page)


def test_prompt_consent_asks_again_after_consent__oidc_core_s3_1_2_1(browser, client, user):
    sign_in_browser(browser, client, user)
    assert is_consent_page(open_authorize(browser, client, prompt="consent"))


def test_prompt_consent_asks_even_a_first_party_client__oidc_core_s3_1_2_1(idp, browser, user):
    first_party, _ = register(idp, public=True, first_party=True)
    sign_in_browser(browser, first_party, user)
    assert is_consent_page(open_authorize(browser, first_party, prompt="consent"))


def test_deny_is_access_denied_with_state__rfc6749_s4_1_2_1(idp, browser, client, user):
    page = browser.follow(log_in(browser, client, user))
    response = browser.submit_consent(page, decision="deny")
    assert_redirected_error(response, idp, client, "access_denied")


def test_deny_is_not_remembered__oidc_core_s3_1_2_4(idp, browser, client, user):
    page = browser.follow(log_in(browser, client, user))
    browser.submit_consent(page, decision="deny")
    response = open_authorize(browser, client, prompt="none")
    assert_redirected_error(response, idp, client, "consent_required")
