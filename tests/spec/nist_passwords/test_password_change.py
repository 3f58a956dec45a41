"""NIST SP 800-63B-4 §3.1.1.2 (password verifiers) on /account/password, over HTTP: at
least 15 characters as a single factor and 8 beside a second factor, at least 64
allowed, no composition rules, a blocklist of common passwords and context words
refused with the reason, NFKC before hashing, paste allowed; and the change itself:
the current password and a recent sign-in (§4.2.3 reauthentication) first, then every
other session and token of the user ends (ASVS 5.0 V7.4.3, CAEP credential-change)
while this browser stays signed in with a new session id."""

from __future__ import annotations

import unicodedata

import pytest

from idp.authn.passwords import verify_password
from idp.http.cookies import cookie_name
from idp.http.session_cookie import SESSION_COOKIE
from tests.support.flows import PASSWORD, create_user, register
from tests.support.mail_links import PASSWORD_SET, browser_at_new_address, submit_new_password
from tests.support.pages import is_login_page
from tests.support.relying_party import (
    has_sso_session,
    is_active,
    security_events,
    web_app,
)
from tests.support.second_factor import enrol, is_second_factor_page, submit_code
from tests.support.sign_in import sign_in, sign_in_browser

NEW_PASSWORD = "seven green apples on a windowsill"
CREDENTIAL_CHANGE = "https://schemas.openid.net/secevent/caep/event-type/credential-change"


def signed_in(idp, user, browser):
    """``browser`` signed in just now (a session for the account pages)."""
    client = register(idp, first_party=True)[0]
    sign_in_browser(browser, client, user)


def change_page(browser):
    page = browser.http.get("/account/password")
    assert page.status_code == 200, page.text
    return page


def change(browser, new, *, current=PASSWORD, again=None):
    return submit_new_password(browser, change_page(browser), new, again, current_password=current)


def stored_hash(idp, user):
    with idp.provider.store() as store:
        return store.load_user(user.id).password_hash


def test_the_page_asks_for_a_sign_in_first(idp):
    with browser_at_new_address(idp) as browser:
        answer = browser.http.get("/account/password")
        assert answer.status_code == 302
        assert is_login_page(browser.follow(answer))


def test_an_old_sign_in_is_asked_again__nist_800_63b_s4_2_3(idp):
    user = create_user(idp)
    with browser_at_new_address(idp) as browser:
        signed_in(idp, user, browser)
        idp.clock.advance(301)
        try:
            answer = browser.http.get("/account/password")
            assert answer.status_code == 302
            login = browser.follow(answer)
            assert is_login_page(login)
            page = browser.follow(browser.submit_login(login, user.username, PASSWORD))
        finally:
            idp.clock.advance(-301)
        assert 'name="current_password"' in page.text


def test_a_change_keeps_this_browser_and_ends_the_rest__asvs_v7_4_3(idp):
    user = create_user(idp)
    app = web_app(idp)
    with browser_at_new_address(idp) as other_device:
        tokens = sign_in(idp, app, user, browser=other_device)
        with browser_at_new_address(idp) as browser:
            signed_in(idp, user, browser)
            name = cookie_name(SESSION_COOKIE, idp.settings.secure_cookies)
            before = browser.http.cookies[name]
            done = change(browser, NEW_PASSWORD)
            assert done.status_code == 200, done.text
            assert PASSWORD_SET in done.text
            after = browser.http.cookies[name]
            assert after != before  # a new session id
            sessions = browser.http.get("/account/sessions")
            assert sessions.status_code == 200
            assert "/account/sessions/end" in sessions.text  # signed in
        assert not has_sso_session(other_device, app)
    assert not is_active(idp, app, tokens["refresh_token"])
    assert verify_password(NEW_PASSWORD, stored_hash(idp, user))
    assert CREDENTIAL_CHANGE in [event["event_type"] for event in security_events(idp, user.id)]


def test_a_wrong_current_password_is_401_and_counted(idp):
    user = create_user(idp)
    with browser_at_new_address(idp) as browser:
        signed_in(idp, user, browser)
        statuses = [
            change(browser, NEW_PASSWORD, current=f"wrong {n}").status_code for n in range(5)
        ]
    assert statuses[:3] == [401, 401, 401]
    assert statuses[-1] == 429
    assert verify_password(PASSWORD, stored_hash(idp, user))


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        ("fourteen chars", "at least 15 characters"),
        ("1qaz2wsx3edc4rfv", "most common"),
        ("QWERTY123456789", "most common"),
        ("  qwerty123456789  ", "most common"),
        ("the name {username} again", "must not contain"),
        ("mail me at {local}, please", "must not contain"),
        ("TESSERA is what I use", "must not contain"),
    ],
    ids=["short", "common", "common-case", "common-spaces", "username", "email", "service"],
)
def test_refused_passwords_say_why__nist_800_63b_4_s3_1_1_2(idp, new, reason):
    user = create_user(idp)
    local = user.email.split("@")[0]
    with browser_at_new_address(idp) as browser:
        signed_in(idp, user, browser)
        refused = change(browser, new.format(username=user.username, local=local))
    assert refused.status_code == 400, refused.text
    assert reason in refused.text
    assert verify_password(PASSWORD, stored_hash(idp, user))


@pytest.mark.parametrize(
    "new",
    [
        "fifteen chars!!",  # exactly 15
        "x" * 64 + "y" * 960,  # 1024, the cap
        "alllowercaseletters",  # no composition rules
        "パスワードはとても長い秘密です",  # Unicode, each code point one character
        "spaces   in   the   middle",
    ],
    ids=["15", "1024", "lowercase", "unicode", "spaces"],
)
def test_accepted_passwords__nist_800_63b_4_s3_1_1_2(idp, new):
    user = create_user(idp)
    with browser_at_new_address(idp) as browser:
        signed_in(idp, user, browser)
        assert change(browser, new).status_code == 200
    assert verify_password(new, stored_hash(idp, user))


def test_eight_characters_are_enough_beside_a_second_factor(idp):
    user = create_user(idp)
    enrolled = enrol(idp, user)
    with browser_at_new_address(idp) as browser:
        login = browser.follow(browser.http.get("/account/password"))
        assert is_login_page(login)
        code_page = browser.follow(browser.submit_login(login, user.username, PASSWORD))
        assert is_second_factor_page(code_page), code_page.text
        page = browser.follow(submit_code(browser, code_page, enrolled.code(idp)))
        assert 'name="current_password"' in page.text
        assert 'minlength="8"' in page.text
        short = submit_new_password(browser, page, "seven c", current_password=PASSWORD)
        assert short.status_code == 400
        assert "at least 8 characters" in short.text
        common = submit_new_password(browser, page, "iloveyou1", current_password=PASSWORD)
        assert common.status_code == 400
        assert "most common" in common.text
        done = submit_new_password(browser, page, "nine char", current_password=PASSWORD)
        assert done.status_code == 200, done.text
    assert verify_password("nine char", stored_hash(idp, user))


def test_the_password_is_normalised_nfkc_before_hashing(idp):
    user = create_user(idp)
    # Fullwidth letters (U+FF41...), which NFKC folds to ASCII.
    typed = "".join(chr(ord(c) + 0xFEE0) if c != " " else c for c in "fullwidth passphrase")
    with browser_at_new_address(idp) as browser:
        signed_in(idp, user, browser)
        assert change(browser, typed).status_code == 200
    stored = stored_hash(idp, user)
    assert verify_password(unicodedata.normalize("NFKC", typed), stored)
    assert verify_password(typed, stored)
    client = register(idp, first_party=True)[0]
    with browser_at_new_address(idp) as browser:
        query = browser.sign_in(client, user, password="fullwidth passphrase")
    assert "code" in query


def test_the_form_allows_paste_and_password_managers(idp):
    user = create_user(idp)
    with browser_at_new_address(idp) as browser:
        signed_in(idp, user, browser)
        page = change_page(browser)
    assert "onpaste" not in page.text.lower()
    assert 'autocomplete="off"' not in page.text
    assert page.text.count('autocomplete="new-password"') == 2
    assert 'autocomplete="current-password"' in page.text


def test_a_megabyte_password_is_413_and_never_hashed(idp):
    user = create_user(idp)
    with browser_at_new_address(idp) as browser:
        signed_in(idp, user, browser)
        assert change(browser, "z" * 1_000_000).status_code == 413
        too_long = change(browser, "z" * 1025)
    assert too_long.status_code == 400
    assert "at most 1024" in too_long.text
    assert verify_password(PASSWORD, stored_hash(idp, user))


def test_a_post_without_its_csrf_token_is_403(idp):
    user = create_user(idp)
    with browser_at_new_address(idp) as browser:
        signed_in(idp, user, browser)
        answer = browser.http.post(
            "/account/password",
            data={
                "current_password": PASSWORD,
                "new_password": NEW_PASSWORD,
                "new_password_again": NEW_PASSWORD,
            },
        )
    assert answer.status_code == 403
    assert verify_password(PASSWORD, stored_hash(idp, user))


def test_a_post_after_the_sign_in_grew_old_goes_to_sign_in_again(idp):
    user = create_user(idp)
    with browser_at_new_address(idp) as browser:
        signed_in(idp, user, browser)
        page = change_page(browser)
        idp.clock.advance(301)
        try:
            answer = submit_new_password(browser, page, NEW_PASSWORD, current_password=PASSWORD)
        finally:
            idp.clock.advance(-301)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/interaction/")
    assert verify_password(PASSWORD, stored_hash(idp, user))
