"""An interaction link (the login and consent pages) lives for IDP_INTERACTION_TTL; after
that the user sees an error page on the IdP, not a redirect (RFC 6749 §4.1.2.1)."""

from __future__ import annotations

from tests.support.authorization import assert_error_page, open_authorize
from tests.support.cookies import set_cookie
from tests.support.flows import PASSWORD
from tests.support.pages import form_action, is_consent_page


def test_expired_interaction_page_is_an_error_page__rfc6749_s4_1_2_1(idp, browser, client):
    page = open_authorize(browser, client)
    idp.clock.advance(idp.settings.interaction_ttl + 1)
    assert_error_page(browser.http.get(form_action(page, "login").removesuffix("/login")))


def test_login_on_an_expired_interaction_is_an_error_page__rfc6749_s4_1_2_1(
    idp, browser, client, user
):
    page = open_authorize(browser, client)
    idp.clock.advance(idp.settings.interaction_ttl + 1)
    response = browser.submit_login(page, user.username, PASSWORD)
    assert_error_page(response)
    assert set_cookie(response, "idp_session") is None


def test_interaction_still_works_before_it_expires__rfc6749_s4_1_2_1(idp, browser, client, user):
    page = open_authorize(browser, client)
    idp.clock.advance(idp.settings.interaction_ttl - 30)
    assert is_consent_page(browser.follow(browser.submit_login(page, user.username, PASSWORD)))
