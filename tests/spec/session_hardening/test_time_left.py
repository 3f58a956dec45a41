"""Idle and absolute timeouts are the server's (OWASP Session Management Cheat Sheet,
"Session Expiration"): GET /account/session says how long this browser's session has
left without extending it; "stay signed in" starts the idle timeout again, never past
the absolute one; once either has passed, the session is gone."""

from __future__ import annotations

from tests.support.account import (
    open_account,
    session_state,
    sign_in_to_account,
    stay_signed_in,
)
from tests.support.flows import Browser, csrf_token
from tests.support.pages import is_login_page


def left(browser) -> dict:
    response = session_state(browser)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()


def test_time_left_is_the_idle_and_the_absolute_timeout_after_sign_in(idp, browser, user):
    sign_in_to_account(browser, user)
    state = left(browser)
    settings = idp.settings
    assert settings.session_idle_timeout - 5 <= state["idle_seconds_left"]
    assert state["idle_seconds_left"] <= settings.session_idle_timeout
    assert settings.session_absolute_timeout - 5 <= state["absolute_seconds_left"]
    assert state["idle_timeout"] == settings.session_idle_timeout
    assert state["extended"] is False


def test_asking_how_long_is_left_does_not_extend_the_session__owasp_idle_timeout(
    idp, browser, user
):
    sign_in_to_account(browser, user)
    before = left(browser)["idle_seconds_left"]
    for _ in range(3):
        idp.clock.advance(600)  # past the touch interval: a page visit would slide it
        left(browser)
    assert left(browser)["idle_seconds_left"] <= before - 1800


def test_the_session_ends_after_the_idle_timeout__owasp_idle_timeout(idp, browser, user):
    sign_in_to_account(browser, user)
    idp.clock.advance(idp.settings.session_idle_timeout + 1)
    response = session_state(browser)
    assert response.status_code == 401
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["error"] == "not_signed_in"
    assert is_login_page(open_account(browser))


def test_stay_signed_in_starts_the_idle_timeout_again__owasp_idle_timeout(idp, browser, user):
    page = sign_in_to_account(browser, user)
    idp.clock.advance(idp.settings.session_idle_timeout - 120)
    assert left(browser)["idle_seconds_left"] <= 120
    extended = stay_signed_in(browser, page)
    assert extended.status_code == 200, extended.text
    assert extended.headers["cache-control"] == "no-store"
    body = extended.json()
    assert body["extended"] is True
    assert body["idle_seconds_left"] >= idp.settings.session_idle_timeout - 5
    idp.clock.advance(600)  # past where the first idle timeout would have ended
    assert left(browser)["idle_seconds_left"] > 0


def test_stay_signed_in_as_a_plain_form_goes_back_to_the_account_page(idp, browser, user):
    page = sign_in_to_account(browser, user)
    response = stay_signed_in(browser, page, as_json=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/account"


def test_stay_signed_in_never_passes_the_absolute_timeout__owasp_absolute_timeout(
    idp, browser, user
):
    page = sign_in_to_account(browser, user)
    settings, elapsed = idp.settings, 0
    step = settings.session_idle_timeout - 600
    while elapsed + step < settings.session_absolute_timeout - 100:
        idp.clock.advance(step)
        elapsed += step
        assert stay_signed_in(browser, page).status_code == 200
    idp.clock.advance(settings.session_absolute_timeout - 100 - elapsed)
    body = stay_signed_in(browser, page).json()
    assert body["absolute_seconds_left"] <= 100
    assert body["idle_seconds_left"] == body["absolute_seconds_left"]
    idp.clock.advance(101)
    assert session_state(browser).status_code == 401
    assert stay_signed_in(browser, page).status_code == 401


def test_stay_signed_in_without_the_csrf_token_is_forbidden__owasp_csrf(idp, browser, user):
    sign_in_to_account(browser, user)
    response = browser.http.post("/account/session/extend", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert browser.http.post("/account/session/extend").status_code in (400, 403)


def test_without_a_session_there_is_nothing_to_extend(idp, user):
    with Browser(idp) as browser:
        page = open_account(browser)  # the login page: a CSRF cookie and a token
        assert is_login_page(page)
        response = browser.http.post(
            "/account/session/extend",
            data={"csrf_token": csrf_token(page.text)},
            headers={"Accept": "application/json"},
        )
        assert response.status_code in (401, 403)
        assert session_state(browser).status_code == 401


def test_the_account_page_shows_the_time_left_with_its_own_script__csp(idp, browser, user):
    page = sign_in_to_account(browser, user)
    assert 'id="session-time"' in page.text
    assert 'data-idle-left="' in page.text
    assert 'src="/static/session.js"' in page.text
    assert 'action="/account/session/extend"' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "default-src 'none'" in policy
    script = browser.http.get("/static/session.js")
    assert script.status_code == 200
    assert "/account/session" in script.text
