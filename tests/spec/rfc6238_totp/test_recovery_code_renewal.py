"""New recovery codes from the account page: only for a session that passed the second
factor; the new codes replace the old ones, which stop working."""

from __future__ import annotations

from tests.support.flows import PASSWORD, csrf_token
from tests.support.second_factor import (
    authorization_request,
    is_second_factor_page,
    password_step,
    submit_code,
)


def account_page(browser, enrolled, idp):
    """Sign in to /account/sessions with password and code; the sessions page."""
    page = browser.follow(browser.http.get("/account/sessions"))
    page = browser.follow(browser.submit_login(page, enrolled.user.username, PASSWORD))
    assert is_second_factor_page(page), page.text
    return browser.follow(submit_code(browser, page, enrolled.code(idp)))


def test_new_codes_replace_the_old_ones(idp, browser, app, enrolled):
    page = account_page(browser, enrolled, idp)
    assert "/account/recovery-codes" in page.text
    renewed = browser.http.post(
        "/account/recovery-codes", data={"csrf_token": csrf_token(page.text)}
    )
    assert renewed.status_code == 200, renewed.text
    assert renewed.headers["cache-control"] == "no-store"
    codes = [item.split("<code>")[1].split("</code>")[0] for item in renewed.text.split("<li>")[1:]]
    assert len(codes) == 10
    assert not set(codes) & set(enrolled.recovery_codes)
    with type(browser)(idp) as other:
        page = password_step(other, enrolled.user, authorization_request(app.client)[0])
        assert submit_code(other, page, enrolled.recovery_codes[0]).status_code == 401
        assert submit_code(other, page, codes[0]).is_redirect


def test_a_session_without_the_second_factor_gets_no_new_codes(idp, browser, app, user):
    page = browser.follow(browser.http.get("/account/sessions"))
    page = browser.follow(browser.submit_login(page, user.username, PASSWORD))
    assert "/account/recovery-codes" not in page.text
    refused = browser.http.post(
        "/account/recovery-codes", data={"csrf_token": csrf_token(page.text)}
    )
    assert refused.status_code == 400
    assert "authenticator app" in refused.text
