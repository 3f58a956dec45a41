"""A new session id at every privilege change (OWASP Session Management Cheat Sheet,
"Renew the Session ID After Any Privilege Level Change"; ASVS 5 §7.2.4): the sign-in,
the second factor's completion, a step-up. And a first factor alone is no privilege:
no session cookie, nothing ``prompt=none`` could use (OIDC Core §3.1.2.6), a sealed
sign-in URL that no other browser can continue."""

from __future__ import annotations

from tests.support.account import (
    SESSION_COOKIE,
    open_account,
    session_cookie,
    session_state,
    sign_in_to_account,
)
from tests.support.authorization import assert_redirected_error, open_authorize
from tests.support.flows import PASSWORD, Browser, create_user, register
from tests.support.pages import is_login_page
from tests.support.second_factor import (
    authorization_request,
    enrol,
    is_second_factor_page,
    password_step,
    submit_code,
)


def cookie_is_dead(idp, value: str) -> bool:
    with Browser(idp) as other:
        other.http.cookies.set(SESSION_COOKIE, value, domain="127.0.0.1")
        return session_state(other).status_code == 401


def test_sign_in_replaces_a_planted_session_id__owasp_session_fixation(idp, user):
    with Browser(idp) as browser:
        browser.http.cookies.set(SESSION_COOKIE, "planted-by-an-attacker", domain="127.0.0.1")
        sign_in_to_account(browser, user)
        issued = session_cookie(browser)
        assert issued
        assert issued != "planted-by-an-attacker"
        assert session_state(browser).status_code == 200
    assert cookie_is_dead(idp, "planted-by-an-attacker")


def test_signing_in_again_issues_a_new_id_and_ends_the_old_one__owasp_renew_session_id(idp, user):
    with Browser(idp) as browser:
        sign_in_to_account(browser, user)
        first = session_cookie(browser)
        assert first
        # A login asked again (a recent sign-in for the account pages) is a new session.
        idp.clock.advance(400)
        page = open_account(browser, "/account/mfa/totp")
        assert is_login_page(page)
        sign_in_to_account_from(browser, page, user)
        second = session_cookie(browser)
        assert second
        assert second != first
    assert cookie_is_dead(idp, first)


def sign_in_to_account_from(browser, page, user) -> None:
    page = browser.follow(browser.submit_login(page, user.username, PASSWORD))
    assert page.status_code == 200, page.text


def test_the_second_factor_issues_the_session_id_the_first_did_not__owasp_renew_session_id(
    idp,
):
    enrolled = enrol(idp, create_user(idp))
    with Browser(idp) as browser:
        page = open_account(browser)
        page = browser.follow(browser.submit_login(page, enrolled.user.username, PASSWORD))
        assert is_second_factor_page(page)
        assert session_cookie(browser) is None  # the password alone: no session
        done = submit_code(browser, page, enrolled.code(idp))
        assert done.status_code == 303
        assert session_cookie(browser)
        assert session_state(browser).status_code == 200


def test_a_step_up_issues_a_new_session_id_and_ends_the_weaker_one__owasp_renew_session_id(
    idp,
):
    user = create_user(idp)
    client = register(idp, public=True, first_party=True)[0]
    with Browser(idp) as browser:
        sign_in_to_account(browser, user)  # a password-only session
        weak = session_cookie(browser)
        enrolled = enrol(idp, user)  # from now on the user's own factor is asked
        request, _verifier = authorization_request(client)
        page = browser.follow(browser.authorize(**request))
        assert is_second_factor_page(page), page.text  # the step-up: the code only
        stepped = submit_code(browser, page, enrolled.code(idp))
        assert stepped.status_code == 303
        strong = session_cookie(browser)
        assert strong
        assert strong != weak
        state = session_state(browser).json()
        assert state["idle_seconds_left"] > 0
    assert cookie_is_dead(idp, weak)


def test_the_first_factor_alone_yields_no_session__oidc_core_s3_1_2_6(idp):
    enrolled = enrol(idp, create_user(idp))
    client = register(idp, public=True, first_party=True)[0]
    with Browser(idp) as browser, Browser(idp) as elsewhere:
        request, _verifier = authorization_request(client)
        page = password_step(browser, enrolled.user, request)
        assert is_second_factor_page(page)
        sealed_url = str(page.url)
        assert session_cookie(browser) is None
        assert session_state(browser).status_code == 401
        # prompt=none finds nothing to sign in with: login_required, not a code.
        refused = open_authorize(browser, client, prompt="none")
        assert_redirected_error(refused, idp, client, "login_required")
        # The account page asks for a sign-in, too.
        assert is_login_page(open_account(browser))
        # The same sealed URL in another browser shows the login page, not the code page.
        other = elsewhere.follow(elsewhere.http.get(sealed_url))
        assert is_login_page(other), other.text
        assert not is_second_factor_page(other)
        assert session_cookie(elsewhere) is None
