"""Self-service password reset by a mailed link (OWASP Forgot Password Cheat Sheet;
ASVS 5.0 V6.4 authentication factor lifecycle and recovery, V7.4.3 sessions end after
a credential change), over HTTP with the mail received by a real SMTP server: the same
answer whether the account exists, a single-use, short-lived link stored as a digest,
the policy of NIST SP 800-63B-4 §3.1.1.2 on the new password, every session and token
of the user ended, and the second factor still asked for afterwards."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from idp.store.models import MailLinkRow
from tests.support.flows import PASSWORD, create_user, register
from tests.support.mail_links import (
    LINK_ERROR,
    MAIL_SENT,
    PASSWORD_SET,
    browser_at_new_address,
    path_of,
    request_reset,
    submit_new_password,
)
from tests.support.mail_server import link_in
from tests.support.pages import is_consent_page, is_login_page
from tests.support.relying_party import has_sso_session, security_events, web_app
from tests.support.second_factor import enrol, is_second_factor_page
from tests.support.sign_in import sign_in_browser

NEW_PASSWORD = "a quiet river under old bridges"
CREDENTIAL_CHANGE = "https://schemas.openid.net/secevent/caep/event-type/credential-change"
REQUESTED = "urn:tessera:event:password-reset-requested"


def reset_link(idp, mailbox, user, count=1):
    """Ask for a reset for ``user`` from a new browser; the link of the mail."""
    with browser_at_new_address(idp) as browser:
        answer = request_reset(browser, user.username)
        assert answer.status_code == 200, answer.text
        assert MAIL_SENT in answer.text
    return link_in(mailbox.wait_for(user.email, count))


def test_the_answer_is_the_same_whether_the_account_exists__owasp_forgot_password(idp, mailbox):
    user = create_user(idp)
    with browser_at_new_address(idp) as browser:
        known = request_reset(browser, user.username)
        unknown = request_reset(browser, "nobody-" + user.username)
        by_email = request_reset(browser, "nobody@" + user.email.split("@")[1])
    bodies = {answer.status_code: answer.text for answer in (known, unknown, by_email)}
    assert list(bodies) == [200]
    assert MAIL_SENT in bodies[200]
    assert known.text == unknown.text == by_email.text
    message = mailbox.wait_for(user.email)
    assert message["To"] == user.email
    assert "/password-reset/confirm?token=" in link_in(message)


def test_a_reset_by_email_address_reaches_that_account(idp, mailbox):
    user = create_user(idp)
    with browser_at_new_address(idp) as browser:
        assert MAIL_SENT in request_reset(browser, user.email.upper()).text
    assert mailbox.wait_for(user.email)["Subject"] == "Reset your Tessera password"


def test_the_token_is_stored_only_as_its_digest(idp, mailbox):
    user = create_user(idp)
    token = reset_link(idp, mailbox, user).rsplit("=", 1)[1]
    with idp.provider.store() as store:
        rows = store.session.scalars(select(MailLinkRow).where(MailLinkRow.user_id == user.id))
        stored = [(row.token_digest, row.purpose) for row in rows]
    assert len(stored) == 1
    assert token not in stored[0][0]
    assert stored[0][1] == "password_reset"
    assert len(token) >= 43  # 256 bits, base64url


def test_the_link_sets_a_new_password_and_ends_every_session__asvs_v7_4_3(idp, mailbox):
    user = create_user(idp)
    app = web_app(idp)
    with browser_at_new_address(idp) as signed_in:
        sign_in_browser(signed_in, app.client, user)
        assert has_sso_session(signed_in, app)
        link = reset_link(idp, mailbox, user)
        with browser_at_new_address(idp) as other:
            page = other.http.get(path_of(link))
            assert page.status_code == 200, page.text
            assert 'autocomplete="new-password"' in page.text
            assert page.headers["referrer-policy"] == "no-referrer"  # the token stays here
            done = submit_new_password(other, page, NEW_PASSWORD)
            assert done.status_code == 200, done.text
            assert PASSWORD_SET in done.text
        assert not has_sso_session(signed_in, app)
    with browser_at_new_address(idp) as browser:
        code = browser.sign_in(app.client, user, password=NEW_PASSWORD)
        assert "code" in code
    with browser_at_new_address(idp) as browser:
        page = browser.follow(
            browser.authorize(
                response_type="code",
                client_id=app.client_id,
                redirect_uri=app.client.redirect_uris[0],
                scope="openid",
                code_challenge="x" * 43,
                code_challenge_method="S256",
            )
        )
        assert browser.submit_login(page, user.username, PASSWORD).status_code == 401
    events = [event["event_type"] for event in security_events(idp, user.id)]
    assert REQUESTED in events
    assert CREDENTIAL_CHANGE in events
    assert events.index(REQUESTED) < events.index(CREDENTIAL_CHANGE)


def test_a_used_link_is_refused_with_a_clear_page(idp, mailbox):
    user = create_user(idp)
    link = reset_link(idp, mailbox, user)
    with browser_at_new_address(idp) as browser:
        page = browser.http.get(path_of(link))
        assert submit_new_password(browser, page, NEW_PASSWORD).status_code == 200
        again = browser.http.get(path_of(link))
        assert again.status_code == 400
        assert LINK_ERROR in again.text
        assert "used already" in again.text
        replay = submit_new_password(browser, page, "another calm evening by the sea")
        assert replay.status_code == 400
        assert LINK_ERROR in replay.text


def test_two_concurrent_uses_of_one_link_set_one_password(idp, mailbox):
    from concurrent.futures import ThreadPoolExecutor

    user = create_user(idp)
    link = reset_link(idp, mailbox, user)
    with browser_at_new_address(idp) as first, browser_at_new_address(idp) as second:
        pages = [browser.http.get(path_of(link)) for browser in (first, second)]
        passwords = ["the first of two long passwords", "the second of two long passwords"]
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(submit_new_password, (first, second), pages, passwords))
    assert sorted(answer.status_code for answer in answers) == [200, 400]


def test_an_expired_link_is_refused(idp, mailbox):
    user = create_user(idp)
    link = reset_link(idp, mailbox, user)
    idp.clock.advance(idp.settings.password_reset_ttl)
    try:
        with browser_at_new_address(idp) as browser:
            page = browser.http.get(path_of(link))
    finally:
        idp.clock.advance(-idp.settings.password_reset_ttl)
    assert page.status_code == 400
    assert LINK_ERROR in page.text


def test_a_newer_link_replaces_the_older_one(idp, mailbox):
    user = create_user(idp)
    older = reset_link(idp, mailbox, user, 1)
    newer = reset_link(idp, mailbox, user, 2)
    with browser_at_new_address(idp) as browser:
        assert browser.http.get(path_of(older)).status_code == 400
        assert browser.http.get(path_of(newer)).status_code == 200


@pytest.mark.parametrize("token", ["", "forged", "A" * 43, "x" * 5000, "%00", "ü" * 10], ids=repr)
def test_unknown_or_forged_tokens_are_a_clear_400(idp, token):
    with browser_at_new_address(idp) as browser:
        page = browser.http.get("/password-reset/confirm", params={"token": token})
    assert page.status_code == 400, page.text
    assert LINK_ERROR in page.text


def test_links_that_do_not_work_are_throttled_per_address__rfc6585_s4(idp):
    with browser_at_new_address(idp) as browser:
        answers = [
            browser.http.get("/password-reset/confirm", params={"token": f"guess{n}"})
            for n in range(6)
        ]
    statuses = [answer.status_code for answer in answers]
    assert statuses[:3] == [400, 400, 400]
    assert statuses[-1] == 429
    assert int(answers[-1].headers["retry-after"]) >= 1


def test_requests_for_one_account_are_throttled__owasp_forgot_password(idp, mailbox):
    user = create_user(idp)
    with browser_at_new_address(idp) as browser:
        answers = [request_reset(browser, user.username) for _ in range(5)]
    statuses = [answer.status_code for answer in answers]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[-1] == 429
    assert "retry-after" in answers[-1].headers
    mailbox.wait_for(user.email, 3)
    assert len(mailbox.to(user.email)) == 3


@pytest.mark.parametrize(
    ("new", "again", "reason"),
    [
        ("fourteen chars", None, "at least 15 characters"),
        ("Qwerty123456789", None, "most common"),
        ("{username} is my password", None, "must not contain"),
        ("my tessera password is long", None, "must not contain"),
        ("a long enough passphrase here", "a different passphrase here", "not the same"),
    ],
    ids=["short", "common", "username", "service-name", "mismatch"],
)
def test_a_new_password_the_policy_refuses_says_why__nist_800_63b_4_s3_1_1_2(
    idp, mailbox, new, again, reason
):
    user = create_user(idp)
    link = reset_link(idp, mailbox, user)
    with browser_at_new_address(idp) as browser:
        page = browser.http.get(path_of(link))
        refused = submit_new_password(browser, page, new.format(username=user.username), again)
        assert refused.status_code == 400, refused.text
        assert reason in refused.text
        assert 'id="password-error"' in refused.text
        # The link is still good for a password the policy accepts.
        done = submit_new_password(browser, refused, NEW_PASSWORD)
        assert done.status_code == 200, done.text


def test_a_megabyte_password_is_refused_before_it_is_hashed(idp, mailbox):
    user = create_user(idp)
    link = reset_link(idp, mailbox, user)
    with browser_at_new_address(idp) as browser:
        page = browser.http.get(path_of(link))
        huge = submit_new_password(browser, page, "x" * 1_000_000)
        assert huge.status_code == 413
        long = submit_new_password(browser, page, "y" * 5000)
        assert long.status_code == 400
        assert "at most 1024 characters" in long.text


def test_a_form_without_its_csrf_token_is_403(idp, mailbox):
    user = create_user(idp)
    link = reset_link(idp, mailbox, user)
    token = link.rsplit("=", 1)[1]
    with browser_at_new_address(idp) as browser:
        browser.http.get(path_of(link))
        posted = browser.http.post(
            "/password-reset/confirm",
            data={"token": token, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
        )
        request = browser.http.post("/password-reset", data={"identifier": user.username})
    assert posted.status_code == 403
    assert request.status_code == 403
    assert len(mailbox.to(user.email)) == 1


@pytest.mark.parametrize("identifier", ["", "   ", "a@", "@", "x" * 400, "not an email@@"])
def test_malformed_identifiers_get_a_clear_answer(idp, identifier):
    with browser_at_new_address(idp) as browser:
        answer = request_reset(browser, identifier)
    assert answer.status_code in (200, 400), answer.text
    if answer.status_code == 200:
        assert MAIL_SENT in answer.text


def test_a_reset_does_not_bypass_the_second_factor(idp, mailbox):
    user = create_user(idp)
    enrol(idp, user)
    client = register(idp, public=True)[0]
    link = reset_link(idp, mailbox, user)
    with browser_at_new_address(idp) as browser:
        page = browser.http.get(path_of(link))
        # With a second factor enrolled the shorter minimum applies (8).
        assert 'minlength="8"' in page.text
        assert submit_new_password(browser, page, "seven c").status_code == 400
        common = submit_new_password(browser, page, "Password1")
        assert common.status_code == 400
        assert "most common" in common.text
        done = submit_new_password(browser, page, "nine char")
        assert done.status_code == 200, done.text
    with browser_at_new_address(idp) as browser:
        login = browser.follow(
            browser.authorize(
                response_type="code",
                client_id=client.client_id,
                redirect_uri=client.redirect_uris[0],
                scope="openid",
                code_challenge="x" * 43,
                code_challenge_method="S256",
            )
        )
        assert is_login_page(login)
        after = browser.follow(browser.submit_login(login, user.username, "nine char"))
        assert is_second_factor_page(after), after.text
        assert not is_consent_page(after)


def test_the_login_page_links_to_the_reset_and_back(idp, mailbox):
    user = create_user(idp)
    client = register(idp, public=True)[0]
    with browser_at_new_address(idp) as browser:
        login = browser.follow(
            browser.authorize(
                response_type="code",
                client_id=client.client_id,
                redirect_uri=client.redirect_uris[0],
                scope="openid",
                code_challenge="x" * 43,
                code_challenge_method="S256",
            )
        )
        forgot = re.search(r'href="(/password-reset\?interaction=[^"]+)"', login.text)
        assert forgot, login.text
        interaction = forgot.group(1).split("=", 1)[1]
        answer = request_reset(browser, user.username, interaction=interaction)
        assert f'href="/interaction/{interaction}"' in answer.text
        link = link_in(mailbox.wait_for(user.email))
        done = submit_new_password(browser, browser.http.get(path_of(link)), NEW_PASSWORD)
        assert f'href="/interaction/{interaction}"' in done.text
        back = browser.http.get(f"/interaction/{interaction}")
        assert is_login_page(back)


def test_a_forged_interaction_is_not_linked(idp):
    with browser_at_new_address(idp) as browser:
        page = browser.http.get("/password-reset", params={"interaction": "https://evil.example/"})
    assert page.status_code == 200
    assert "evil.example" not in page.text


def test_requests_for_one_account_from_many_addresses_are_throttled_too(idp, mailbox):
    """Nobody floods an inbox by changing address: the count across addresses."""
    user = create_user(idp)
    statuses = []
    for _ in range(5):
        with browser_at_new_address(idp) as browser:
            statuses.append(request_reset(browser, user.username).status_code)
    assert statuses[:3] == [200, 200, 200]
    assert statuses[-1] == 429
    mailbox.wait_for(user.email, 3)
    assert len(mailbox.to(user.email)) == 3


def test_expired_links_are_pruned(idp, mailbox):
    user = create_user(idp)
    reset_link(idp, mailbox, user)
    idp.clock.advance(idp.settings.password_reset_ttl)
    try:
        deleted = idp.provider.prune()
    finally:
        idp.clock.advance(-idp.settings.password_reset_ttl)
    assert deleted["mail_links"] >= 1
    with idp.provider.store() as store:
        rows = store.session.scalars(select(MailLinkRow).where(MailLinkRow.user_id == user.id))
        assert list(rows) == []
