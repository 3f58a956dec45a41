"""/account/sessions: a user sees the SSO sessions they hold and ends any of them (or
all), each through the Revoker, so its tokens end and its applications are told."""

from __future__ import annotations

import re
from collections.abc import Iterator

import jwt
import pytest

from tests.support.flows import PASSWORD, Browser, create_user, csrf_token
from tests.support.logout_receiver import LogoutReceiver, logout_receiver
from tests.support.pages import is_login_page
from tests.support.relying_party import has_sso_session, is_active, web_app
from tests.support.sign_in import sign_in

SID_FIELD = re.compile(r'name="sid" value="([^"]+)"')


@pytest.fixture
def receiver() -> Iterator[LogoutReceiver]:
    with logout_receiver() as fresh:
        yield fresh


def open_sessions_page(browser: Browser):
    return browser.follow(browser.http.get("/account/sessions"))


def sid_of(tokens) -> str:
    return jwt.decode(tokens["id_token"], options={"verify_signature": False})["sid"]


def test_the_page_asks_a_browser_without_a_session_to_sign_in_then_shows_it(idp):
    user = create_user(idp)
    with Browser(idp) as browser:
        browser.http.headers["user-agent"] = "Firefox/140.0"
        page = open_sessions_page(browser)
        assert is_login_page(page)
        assert "your Tessera account" in page.text
        page = browser.follow(browser.submit_login(page, user.username, PASSWORD))
        assert page.status_code == 200, page.text
        assert "Where you are signed in" in page.text
        assert "Firefox/140.0" in page.text
        assert "(this browser)" in page.text
        assert page.headers["cache-control"] == "no-store"
        assert len(SID_FIELD.findall(page.text)) == 1


def test_another_session_is_listed_and_ended_with_its_tokens(idp, receiver):
    user = create_user(idp)
    app = web_app(idp, backchannel_logout_uri=receiver.backchannel_uri)
    with Browser(idp) as here, Browser(idp) as elsewhere:
        sign_in(idp, app, user, browser=here)
        other_tokens = sign_in(idp, app, user, browser=elsewhere)
        page = open_sessions_page(here)
        assert sorted(SID_FIELD.findall(page.text)).count(sid_of(other_tokens)) == 1
        assert "Test App" in page.text  # the application that took part
        ended = here.http.post(
            "/account/sessions/end",
            data={"csrf_token": csrf_token(page.text), "sid": sid_of(other_tokens)},
        )
        assert ended.status_code == 303
        assert ended.headers["location"] == "/account/sessions"
        (posted,) = receiver.wait_for_posts(1)
        assert jwt.decode(posted["logout_token"], options={"verify_signature": False})[
            "sid"
        ] == sid_of(other_tokens)
        assert not is_active(idp, app, other_tokens["access_token"])
        assert not has_sso_session(elsewhere, app)
        assert has_sso_session(here, app)
        assert sid_of(other_tokens) not in open_sessions_page(here).text


def test_signing_out_everywhere_ends_this_session_too(idp):
    user = create_user(idp)
    app = web_app(idp)
    with Browser(idp) as here, Browser(idp) as elsewhere:
        tokens = sign_in(idp, app, user, browser=here)
        sign_in(idp, app, user, browser=elsewhere)
        page = open_sessions_page(here)
        ended = here.http.post(
            "/account/sessions/end", data={"csrf_token": csrf_token(page.text), "all": "1"}
        )
        assert ended.status_code == 303
        assert "max-age=0" in ended.headers["set-cookie"].lower()
        assert not has_sso_session(here, app)
        assert not has_sso_session(elsewhere, app)
        assert not is_active(idp, app, tokens["access_token"])


def test_a_session_of_another_user_cannot_be_ended(idp):
    app = web_app(idp)
    with Browser(idp) as mine, Browser(idp) as theirs:
        sign_in(idp, app, create_user(idp), browser=mine)
        their_tokens = sign_in(idp, app, create_user(idp), browser=theirs)
        page = open_sessions_page(mine)
        refused = mine.http.post(
            "/account/sessions/end",
            data={"csrf_token": csrf_token(page.text), "sid": sid_of(their_tokens)},
        )
        assert refused.status_code == 400
        assert has_sso_session(theirs, app)


def test_ending_a_session_needs_the_pages_csrf_token(idp):
    app = web_app(idp)
    with Browser(idp) as browser:
        tokens = sign_in(idp, app, create_user(idp), browser=browser)
        refused = browser.http.post("/account/sessions/end", data={"sid": sid_of(tokens)})
        assert refused.status_code == 403
        assert has_sso_session(browser, app)


def test_the_account_sign_in_is_not_a_party_of_the_session(idp):
    user = create_user(idp)
    with Browser(idp) as browser:
        page = open_sessions_page(browser)
        browser.follow(browser.submit_login(page, user.username, PASSWORD))
        (sid,) = SID_FIELD.findall(open_sessions_page(browser).text)
    with idp.provider.store() as store:
        assert store.session_parties(sid) == []
