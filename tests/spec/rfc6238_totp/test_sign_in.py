"""Sign-in with a password and a TOTP code (RFC 6238): the window of one step either
side (§5.2), no code accepted twice (§5.2), clear refusals, and nothing of the sign-in
(no SSO cookie, no code) before the second factor."""

from __future__ import annotations

import pytest

from idp.authn.methods import MFA_ACR
from tests.support.assertions import verify_access_token, verify_id_token
from tests.support.authorization import assert_redirected_error
from tests.support.flows import Browser
from tests.support.pages import is_login_page
from tests.support.second_factor import (
    authorization_request,
    is_second_factor_page,
    password_step,
    sign_in_with_code,
    submit_code,
    tokens_for,
)


def test_password_then_code_signs_in_with_mfa_in_both_tokens__rfc8176_s2(
    idp, browser, app, enrolled
):
    query, verifier = sign_in_with_code(idp, browser, app.client, enrolled)
    tokens = tokens_for(idp, app.client, query, verifier, app.secret)
    id_token = verify_id_token(idp, tokens["id_token"], app.client)
    access_token = verify_access_token(idp, tokens["access_token"])
    for claims in (id_token, access_token):
        assert claims["acr"] == MFA_ACR
        assert set(claims["amr"]) == {"pwd", "otp", "mfa"}


@pytest.mark.parametrize("offset", [-1, 1])
def test_codes_one_step_either_side_are_accepted__rfc6238_s5_2(idp, browser, app, enrolled, offset):
    query, _ = sign_in_with_code(idp, browser, app.client, enrolled, enrolled.code(idp, offset))
    assert "code" in query


@pytest.mark.parametrize("offset", [-2, 2])
def test_codes_two_steps_away_are_refused__rfc6238_s5_2(idp, browser, app, enrolled, offset):
    page = password_step(browser, enrolled.user, authorization_request(app.client)[0])
    refused = submit_code(browser, page, enrolled.code(idp, offset))
    assert refused.status_code == 401
    assert "wrong or has expired" in refused.text
    assert "/second-factor" in refused.text  # the same page again, to try the next code


def test_a_code_expires_when_the_clock_moves_on__rfc6238_s5_2(idp, browser, app, enrolled):
    page = password_step(browser, enrolled.user, authorization_request(app.client)[0])
    code = enrolled.code(idp)
    idp.clock.advance(3 * 30)
    refused = submit_code(browser, page, code)
    assert refused.status_code == 401
    assert "wrong or has expired" in refused.text
    accepted = submit_code(browser, page, enrolled.code(idp))
    assert accepted.is_redirect


def test_a_code_is_accepted_once__rfc6238_s5_2(idp, app, enrolled):
    code = enrolled.code(idp)
    with Browser(idp) as first:
        sign_in_with_code(idp, first, app.client, enrolled, code)
    with Browser(idp) as second:
        page = password_step(second, enrolled.user, authorization_request(app.client)[0])
        refused = submit_code(second, page, code)
    assert refused.status_code == 401
    assert "already been used" in refused.text


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x", "9" * 64])
def test_malformed_codes_are_refused_with_a_message(idp, browser, app, enrolled, code):
    page = password_step(browser, enrolled.user, authorization_request(app.client)[0])
    refused = submit_code(browser, page, code)
    assert refused.status_code == 401
    assert "6-digit code" in refused.text
    assert "/second-factor" in refused.text


def test_the_password_alone_gives_no_sso_cookie_and_no_code(idp, browser, app, enrolled):
    request, _ = authorization_request(app.client)
    page = browser.follow(browser.authorize(**request))
    answer = browser.submit_login(page, enrolled.user.username, "correct horse battery staple")
    assert not any("session" in cookie for cookie in answer.headers.get_list("set-cookie"))
    assert is_second_factor_page(browser.follow(answer))
    silent = browser.authorize(**{**request, "prompt": "none"})
    assert_redirected_error(silent, idp, app.client, "login_required", state="xyz")


def test_the_pending_sign_in_does_not_move_to_another_browser(idp, browser, app, enrolled):
    page = password_step(browser, enrolled.user, authorization_request(app.client)[0])
    pending_url = str(page.url)
    with Browser(idp) as other:
        assert is_login_page(other.http.get(pending_url))


def test_the_code_form_needs_its_csrf_token(idp, browser, app, enrolled):
    page = password_step(browser, enrolled.user, authorization_request(app.client)[0])
    action = page.text.split('action="')[1].split('"')[0]
    refused = browser.http.post(action, data={"code": enrolled.code(idp)})
    assert refused.status_code == 403
