"""Sign-in links by mail (IDP_MAGIC_LINKS), a first factor: asked for from the login
page with the same answer whether the account exists; a 256-bit, single-use,
short-lived token stored as a digest, bound to the browser that asked and to the
interaction it continues; a GET only shows a button (mail scanners fetch links), the
POST signs in; ``amr`` is ``otp`` (RFC 8176 §2) and the second factor is still owed
where the MFA policy asks for it. Mail arrives at a real SMTP server."""

from __future__ import annotations

import jwt
import pytest

from tests.support.client_requests import redeem
from tests.support.flows import Browser, create_user, pkce_pair, query_of, register
from tests.support.mail_links import (
    LINK_ERROR,
    MAIL_SENT,
    browser_at_new_address,
    confirm_sign_in_link,
    path_of,
    request_sign_in_link,
)
from tests.support.mail_server import link_in
from tests.support.pages import is_consent_page, is_login_page
from tests.support.second_factor import enrol, is_second_factor_page, submit_code
from tests.support.server import running_idp


def login_page(browser, client, verifier=None):
    challenge = pkce_pair()[1] if verifier is None else verifier
    page = browser.follow(
        browser.authorize(
            response_type="code",
            client_id=client.client_id,
            redirect_uri=client.redirect_uris[0],
            scope="openid",
            code_challenge=challenge,
            code_challenge_method="S256",
            nonce="n-0S6_WzA2Mj",
        )
    )
    assert is_login_page(page), page.text
    return page


@pytest.fixture
def client(idp):
    return register(idp, first_party=True)[0]


def ask_for_link(idp, mailbox, browser, client, user, count=1):
    answer = request_sign_in_link(browser, login_page(browser, client), user.username)
    assert answer.status_code == 200, answer.text
    assert MAIL_SENT in answer.text
    return link_in(mailbox.wait_for(user.email, count))


def test_the_link_signs_in_with_amr_otp__rfc8176_s2(idp, mailbox):
    client, secret = register(idp, first_party=True)
    user = create_user(idp)
    verifier, challenge = pkce_pair()
    with browser_at_new_address(idp) as browser:
        login = login_page(browser, client, challenge)
        assert request_sign_in_link(browser, login, user.username).status_code == 200
        link = link_in(mailbox.wait_for(user.email))
        assert "/sign-in-link?token=" in link
        page = browser.http.get(path_of(link))
        assert page.status_code == 200, page.text
        redirect = browser.follow(confirm_sign_in_link(browser, page))
    assert redirect.is_redirect, redirect.text
    code = query_of(redirect.headers["location"])["code"]
    tokens = redeem(idp, client, code, verifier, secret).json()
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["sub"] == user.id
    assert claims["amr"] == ["otp"]
    assert claims["acr"] == "urn:tessera:acr:password"


def test_a_get_of_the_link_uses_nothing__mail_scanners(idp, mailbox, client):
    user = create_user(idp)
    with browser_at_new_address(idp) as browser:
        link = ask_for_link(idp, mailbox, browser, client, user)
        first, second = (browser.http.get(path_of(link)) for _ in range(2))
        assert first.status_code == second.status_code == 200
        assert 'name="confirm"' in second.text
        assert second.headers["referrer-policy"] == "no-referrer"
        assert confirm_sign_in_link(browser, second).status_code == 303


def test_the_answer_is_the_same_whether_the_account_exists(idp, mailbox, client):
    user = create_user(idp)
    with browser_at_new_address(idp) as browser:
        login = login_page(browser, client)
        known = request_sign_in_link(browser, login, user.username)
        unknown = request_sign_in_link(browser, login, "nobody-" + user.username)
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    assert known.cookies.keys() == unknown.cookies.keys()
    mailbox.wait_for(user.email)
    assert len(mailbox.to(user.email)) == 1


def test_a_link_opened_in_another_browser_is_refused_with_a_clear_page(idp, mailbox, client):
    user = create_user(idp)
    with browser_at_new_address(idp) as asking:
        link = ask_for_link(idp, mailbox, asking, client, user)
        with browser_at_new_address(idp) as other:
            page = other.http.get(path_of(link))
            assert page.status_code == 403
            assert "browser" in page.text
            assert LINK_ERROR in page.text
        # Still good where it was asked for.
        page = asking.http.get(path_of(link))
        assert page.status_code == 200
        assert confirm_sign_in_link(asking, page).status_code == 303


def test_a_used_link_is_refused(idp, mailbox, client):
    user = create_user(idp)
    with browser_at_new_address(idp) as browser:
        link = ask_for_link(idp, mailbox, browser, client, user)
        page = browser.http.get(path_of(link))
        assert confirm_sign_in_link(browser, page).status_code == 303
        again = confirm_sign_in_link(browser, page)
        assert again.status_code == 400
        assert LINK_ERROR in again.text
        assert browser.http.get(path_of(link)).status_code == 400


def test_an_expired_link_is_refused(idp, mailbox, client):
    user = create_user(idp)
    with browser_at_new_address(idp) as browser:
        link = ask_for_link(idp, mailbox, browser, client, user)
        idp.clock.advance(idp.settings.magic_link_ttl)
        try:
            page = browser.http.get(path_of(link))
        finally:
            idp.clock.advance(-idp.settings.magic_link_ttl)
    assert page.status_code == 400
    assert LINK_ERROR in page.text


@pytest.mark.parametrize("token", ["", "forged", "B" * 43, "y" * 3000], ids=repr)
def test_forged_tokens_are_a_clear_400(idp, token):
    with browser_at_new_address(idp) as browser:
        page = browser.http.get("/sign-in-link", params={"token": token})
    assert page.status_code == 400
    assert LINK_ERROR in page.text


def test_forged_tokens_are_throttled_per_address__rfc6585_s4(idp):
    with browser_at_new_address(idp) as browser:
        answers = [browser.http.get("/sign-in-link", params={"token": f"g{n}"}) for n in range(6)]
    assert [answer.status_code for answer in answers][:3] == [400, 400, 400]
    assert answers[-1].status_code == 429
    assert int(answers[-1].headers["retry-after"]) >= 1


def test_requests_for_links_are_throttled(idp, mailbox, client):
    user = create_user(idp)
    with browser_at_new_address(idp) as browser:
        login = login_page(browser, client)
        answers = [request_sign_in_link(browser, login, user.username) for _ in range(5)]
    assert [answer.status_code for answer in answers][:3] == [200, 200, 200]
    assert answers[-1].status_code == 429
    assert "retry-after" in answers[-1].headers


def test_the_second_factor_is_still_owed_after_the_link(idp, mailbox, client):
    user = create_user(idp)
    enrolled = enrol(idp, user)
    with browser_at_new_address(idp) as browser:
        link = ask_for_link(idp, mailbox, browser, client, user)
        page = browser.follow(confirm_sign_in_link(browser, browser.http.get(path_of(link))))
        assert is_second_factor_page(page), page.text
        done = browser.follow(submit_code(browser, page, enrolled.code(idp)))
    assert done.is_redirect, done.text
    assert "code=" in done.headers["location"]


def test_the_confirm_form_needs_its_csrf_token(idp, mailbox, client):
    user = create_user(idp)
    with browser_at_new_address(idp) as browser:
        link = ask_for_link(idp, mailbox, browser, client, user)
        browser.http.get(path_of(link))
        posted = browser.http.post("/sign-in-link", data={"token": link.rsplit("=", 1)[1]})
        assert posted.status_code == 403
        # The token was not spent by the refused post.
        page = browser.http.get(path_of(link))
        assert page.status_code == 200


def test_the_link_continues_the_consent_of_a_third_party_client(idp, mailbox):
    third_party = register(idp, public=True)[0]
    user = create_user(idp)
    with browser_at_new_address(idp) as browser:
        link = ask_for_link(idp, mailbox, browser, third_party, user)
        page = browser.follow(confirm_sign_in_link(browser, browser.http.get(path_of(link))))
    assert is_consent_page(page), page.text


def test_sign_in_links_are_off_by_default(tmp_path):
    from tests.support.databases import database_url

    with database_url("sqlite", tmp_path) as url, running_idp(url, tmp_path) as idp:
        client = register(idp, public=True)[0]
        with Browser(idp) as browser:
            page = login_page(browser, client)
            assert "/magic-link" not in page.text
            assert "Forgot your password?" in page.text  # console mail on loopback http
            sealed = page.url.path.rsplit("/", 1)[1]
            assert browser.http.get(f"/interaction/{sealed}/magic-link").status_code == 404
            assert browser.http.get("/sign-in-link", params={"token": "x"}).status_code == 404
