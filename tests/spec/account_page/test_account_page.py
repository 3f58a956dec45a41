"""/account, the user's hub: who they are, links to their other account pages, and
their authenticator app, set up and removed here after a recent sign-in (NIST SP
800-63B §4.2.3), each change a CAEP credential-change event (CAEP 1.0 §3.3,
credential_type "app")."""

from __future__ import annotations

import html
import re

import pyotp

from idp.authn.storage import Passkey
from idp.authn.totp import STEP
from idp.ssf.model import SecurityEvent
from idp.ssf.sets import SecurityEventTokens
from tests.support.account import open_account, sign_in_to_account
from tests.support.flows import PASSWORD, Browser, create_user, csrf_token
from tests.support.pages import is_login_page
from tests.support.relying_party import security_events
from tests.support.second_factor import (
    enrol,
    enrolment_secret,
    is_enrolment_page,
    is_second_factor_page,
    submit_code,
)

CREDENTIAL_CHANGE = "https://schemas.openid.net/secevent/caep/event-type/credential-change"
RECENT = 300  # idp.account.interaction.RECENT_SIGN_IN


ENROLMENT_FIELD = re.compile(r'name="enrolment" value="([^"]+)"')


def is_app_setup_page(page) -> bool:
    return 'action="/account/mfa/totp"' in page.text and 'id="totp-secret"' in page.text


def submit_app_code(browser, page, code: str):
    match = ENROLMENT_FIELD.search(page.text)
    assert match, "not the set-up page"
    return browser.http.post(
        "/account/mfa/totp",
        data={
            "csrf_token": csrf_token(page.text),
            "enrolment": html.unescape(match.group(1)),
            "code": code,
            "confirm": "1",
        },
    )


def credential_changes(idp, user) -> list[dict]:
    return [e for e in security_events(idp, user.id) if e["event_type"] == CREDENTIAL_CHANGE]


def has_app(idp, user) -> bool:
    with idp.provider.store() as store:
        return store.load_totp_credential(user.id) is not None


def test_the_account_page_signs_in_first_then_shows_who_the_user_is(idp):
    user = create_user(idp, name="Grace Hopper")
    with Browser(idp) as browser:
        page = open_account(browser)
        assert is_login_page(page)
        assert "your Tessera account" in page.text
        page = browser.follow(browser.submit_login(page, user.username, PASSWORD))
        assert page.status_code == 200, page.text
        assert page.headers["cache-control"] == "no-store"
        assert "Grace Hopper" in page.text
        assert user.username in page.text
        assert str(user.email) in page.text
        assert 'href="/account/sessions"' in page.text
        assert "Authenticator app: <strong>off</strong>" in page.text
        assert 'href="/account/mfa/totp"' in page.text
        for path in ("/account/passkeys", "/account/password", "/logout"):
            assert f'href="{path}"' in page.text


def test_the_app_is_set_up_from_the_account_page__rfc6238(idp):
    user = create_user(idp)
    with Browser(idp) as browser:
        sign_in_to_account(browser, user)
        page = browser.http.get("/account/mfa/totp")
        assert is_app_setup_page(page), page.text
        assert "<svg" in page.text
        secret = enrolment_secret(page)
        wrong = submit_app_code(browser, page, "000000")
        assert wrong.status_code == 401
        assert enrolment_secret(wrong) == secret
        shown = submit_app_code(browser, wrong, pyotp.TOTP(secret).at(idp.clock.now()))
        assert shown.status_code == 200, shown.text
        assert len(re.findall(r"<li><code>", shown.text)) == 10
        assert 'href="/account"' in shown.text
        assert has_app(idp, user)
        assert "Authenticator app: <strong>on</strong>" in open_account(browser).text
    (change,) = credential_changes(idp, user)
    assert change["detail"]["credential_type"] == "app"
    assert change["detail"]["change_type"] == "create"
    # From now on the app is asked at sign-in (rule 4).
    with Browser(idp) as later:
        page = later.follow(later.http.get("/account"))
        page = later.follow(later.submit_login(page, user.username, PASSWORD))
        assert is_second_factor_page(page)


def test_setting_up_the_app_asks_for_a_recent_sign_in__nist_800_63b_s4_2_3(idp):
    user = create_user(idp)
    with Browser(idp) as browser:
        page = sign_in_to_account(browser, user)
        idp.clock.advance(RECENT + 1)
        refused = browser.http.post(
            "/account/mfa/totp",
            data={"csrf_token": csrf_token(page.text), "enrolment": "x", "code": "123456"},
        )
        assert refused.status_code == 403
        page = browser.follow(browser.http.get("/account/mfa/totp"))
        assert is_login_page(page)  # a sign-in again, then back here
        page = browser.follow(browser.submit_login(page, user.username, PASSWORD))
        assert is_app_setup_page(page), page.text
    assert not has_app(idp, user)


def test_a_tampered_enrolment_is_refused_on_the_same_page(idp):
    user = create_user(idp)
    with Browser(idp) as browser:
        sign_in_to_account(browser, user)
        page = browser.http.get("/account/mfa/totp")
        response = browser.http.post(
            "/account/mfa/totp",
            data={"csrf_token": csrf_token(page.text), "enrolment": "forged", "code": "123456"},
        )
        assert response.status_code == 401
        assert "expired" in response.text
    assert not has_app(idp, user)


def test_the_app_is_removed_after_a_recent_sign_in_with_it(idp):
    enrolled = enrol(idp, create_user(idp))
    with Browser(idp) as browser:
        sign_in_to_account(browser, enrolled.user, enrolled.code(idp))
        page = browser.http.get("/account/mfa/totp/remove")
        assert page.status_code == 200, page.text
        assert "password only" in page.text
        removed = browser.http.post(
            "/account/mfa/totp/remove", data={"csrf_token": csrf_token(page.text), "remove": "1"}
        )
        assert removed.status_code == 303
        assert removed.headers["location"] == "/account"
        assert "Authenticator app: <strong>off</strong>" in open_account(browser).text
    assert not has_app(idp, enrolled.user)
    with idp.provider.store() as store:
        assert store.count_unused_recovery_codes(enrolled.user.id) == 0
    (change,) = credential_changes(idp, enrolled.user)
    assert (change["detail"]["credential_type"], change["detail"]["change_type"]) == (
        "app",
        "delete",
    )


def test_removing_the_app_says_a_passkey_then_stands_in_for_it(idp):
    enrolled = enrol(idp, create_user(idp))
    with idp.provider.store() as store:
        store.add_passkey(
            Passkey(
                credential_id="AAAA",
                user_id=enrolled.user.id,
                public_key=b"cose",
                sign_count=0,
                transports=(),
                name="laptop",
                aaguid=None,
                synced=False,
                created_at=idp.clock.now(),
                last_used_at=None,
            )
        )
    with Browser(idp) as browser:
        sign_in_to_account(browser, enrolled.user, enrolled.code(idp))
        page = browser.http.get("/account/mfa/totp/remove")
    assert page.status_code == 200, page.text
    assert "ask for your passkey instead" in page.text
    assert "password only" not in page.text


def test_removing_the_app_without_a_recent_sign_in_is_refused__nist_800_63b_s4_2_3(idp):
    enrolled = enrol(idp, create_user(idp))
    with Browser(idp) as browser:
        account = sign_in_to_account(browser, enrolled.user, enrolled.code(idp))
        idp.clock.advance(RECENT + 1)
        refused = browser.http.post(
            "/account/mfa/totp/remove", data={"csrf_token": csrf_token(account.text)}
        )
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert has_app(idp, enrolled.user)
        # The page asks for the password and the code again, then confirms.
        page = browser.follow(browser.http.get("/account/mfa/totp/remove"))
        assert is_login_page(page)
        page = browser.follow(browser.submit_login(page, enrolled.user.username, PASSWORD))
        assert is_second_factor_page(page)
        idp.clock.advance(STEP)
        page = browser.follow(submit_code(browser, page, enrolled.code(idp)))
        assert 'action="/account/mfa/totp/remove"' in page.text
    assert credential_changes(idp, enrolled.user) == []


def test_removing_the_app_without_the_csrf_token_is_forbidden__owasp_csrf(idp):
    enrolled = enrol(idp, create_user(idp))
    with Browser(idp) as browser:
        sign_in_to_account(browser, enrolled.user, enrolled.code(idp))
        for data in ({"remove": "1"}, {"csrf_token": "forged", "remove": "1"}):
            assert browser.http.post("/account/mfa/totp/remove", data=data).status_code == 403
    assert has_app(idp, enrolled.user)


def test_without_a_session_nothing_is_changed(idp):
    with Browser(idp) as browser:
        page = open_account(browser)
        token = csrf_token(page.text)  # the login form's purpose is another
        for path in ("/account/mfa/totp", "/account/mfa/totp/remove", "/account/devices/forget"):
            response = browser.http.post(path, data={"csrf_token": token})
            assert response.status_code == 403, (path, response.text)


def test_a_user_required_to_use_mfa_may_remove_the_app_and_enrols_again_at_sign_in(idp):
    enrolled = enrol(idp, create_user(idp))
    with idp.provider.store() as store:
        store.set_mfa_required(enrolled.user.id, True, idp.clock.now())
    with Browser(idp) as browser:
        sign_in_to_account(browser, enrolled.user, enrolled.code(idp))
        page = browser.http.get("/account/mfa/totp/remove")
        assert "administrator requires one" in page.text
        removed = browser.http.post(
            "/account/mfa/totp/remove", data={"csrf_token": csrf_token(page.text)}
        )
        assert removed.status_code == 303
    with Browser(idp) as later:
        page = later.follow(later.http.get("/account"))
        page = later.follow(later.submit_login(page, enrolled.user.username, PASSWORD))
        assert is_enrolment_page(page)  # enrolment is forced at the next sign-in


def test_new_recovery_codes_are_offered_to_a_session_with_the_code(idp):
    enrolled = enrol(idp, create_user(idp))
    with Browser(idp) as browser:
        page = sign_in_to_account(browser, enrolled.user, enrolled.code(idp))
        assert "10 unused recovery codes" in page.text
        assert 'action="/account/recovery-codes"' in page.text
        renewed = browser.http.post(
            "/account/recovery-codes", data={"csrf_token": csrf_token(page.text)}
        )
        assert renewed.status_code == 200
        assert len(re.findall(r"<li><code>", renewed.text)) == 10


def test_a_credential_change_set_names_the_app__caep_s3_3(idp):
    enrolled = enrol(idp, create_user(idp))
    with Browser(idp) as browser:
        sign_in_to_account(browser, enrolled.user, enrolled.code(idp))
        page = browser.http.get("/account/mfa/totp/remove")
        browser.http.post("/account/mfa/totp/remove", data={"csrf_token": csrf_token(page.text)})
    (change,) = credential_changes(idp, enrolled.user)
    event = SecurityEvent(1, CREDENTIAL_CHANGE, enrolled.user.id, None, None, change["detail"], 0)
    payload = SecurityEventTokens._payload(event)
    assert payload["credential_type"] == "app"
    assert payload["change_type"] == "delete"
    assert payload["initiating_entity"] == "user"
