"""Wrong passwords through the login form: the ladder of waits, who is counted with whom,
and what the answers say."""

from __future__ import annotations

import time
from functools import partial

import pytest

from tests.spec.owasp_brute_force.attempts import WRONG, attempt, login_page, retry_after, wait_out
from tests.support.flows import (
    PASSWORD,
    LoopbackBrowser,
    create_user,
    fresh_loopback_address,
    register,
)
from tests.support.pages import is_login_page
from tests.support.race import all_at_once


@pytest.fixture(scope="module")
def client(idp):
    return register(idp, public=True)[0]


def test_free_failures_then_429_with_retry_after__rfc6585_s4(idp, client):
    user = create_user(idp)
    with LoopbackBrowser(idp) as browser:
        for _ in range(idp.settings.throttle_free_attempts):
            assert attempt(browser, client, user.username).status_code == 401
        refused = attempt(browser, client, user.username, PASSWORD)  # even the right one
    assert retry_after(refused) <= idp.settings.throttle_base_delay
    assert 'action="/interaction/' in refused.text  # the form again, to try later


def test_an_unknown_account_is_throttled_in_the_same_words(idp, client):
    known = create_user(idp)
    answers = []
    for username in (known.username, "nobody-" + known.username):
        with LoopbackBrowser(idp) as browser:
            for _ in range(idp.settings.throttle_free_attempts):
                failed = attempt(browser, client, username)
            answers.append((failed, attempt(browser, client, username)))
    (known_failed, known_refused), (unknown_failed, unknown_refused) = answers
    assert known_failed.status_code == unknown_failed.status_code == 401
    assert "The username or password is incorrect." in unknown_failed.text
    assert known_refused.status_code == unknown_refused.status_code == 429
    assert retry_after(known_refused) == retry_after(unknown_refused)


def test_the_wait_doubles_and_is_capped(idp, client):
    user = create_user(idp)
    waits = []
    with LoopbackBrowser(idp) as browser:
        for _ in range(idp.settings.throttle_free_attempts):
            attempt(browser, client, user.username)
        # One failure after each wait, until the longest window lets the first go: the
        # steps of 1, 2 and 4 s give waits of 1, 1, 2 s.
        for _ in range(3):
            refused = attempt(browser, client, user.username)
            waits.append(retry_after(refused))
            wait_out(refused)
            assert attempt(browser, client, user.username).status_code == 401
    assert waits[0] <= idp.settings.throttle_base_delay
    assert waits == sorted(waits), waits
    assert waits[-1] > waits[0]  # it grew
    assert max(waits) <= idp.settings.throttle_max_delay  # and never past the cap


def test_the_lock_out_is_soft_it_decays(idp, client):
    user = create_user(idp)
    with LoopbackBrowser(idp) as browser:
        for _ in range(idp.settings.throttle_free_attempts):
            attempt(browser, client, user.username)
        assert attempt(browser, client, user.username).status_code == 429
        time.sleep(idp.settings.throttle_max_delay + 0.1)  # the longest window, passed
        assert attempt(browser, client, user.username, PASSWORD).status_code == 303


def test_a_sign_in_starts_the_count_again(idp, client):
    user = create_user(idp)
    free = idp.settings.throttle_free_attempts
    with LoopbackBrowser(idp) as browser:
        for _ in range(free):
            attempt(browser, client, user.username)
        wait_out(attempt(browser, client, user.username))
        assert attempt(browser, client, user.username, PASSWORD).status_code == 303
        # Without the reset, the longer windows would still hold the first failures.
        for _ in range(free):
            assert attempt(browser, client, user.username).status_code == 401
        assert attempt(browser, client, user.username).status_code == 429


def test_an_attacker_elsewhere_does_not_lock_the_victim_out_of_their_usual_address(idp, client):
    victim = create_user(idp)
    with LoopbackBrowser(idp) as usual:
        assert attempt(usual, client, victim.username, PASSWORD).status_code == 303
        # Attackers on many addresses, each within its own free failures, until the
        # account's count across addresses is spent.
        spent = 0
        while spent <= idp.settings.throttle_account_free_attempts:
            with LoopbackBrowser(idp) as attacker:
                for _ in range(idp.settings.throttle_free_attempts):
                    attempt(attacker, client, victim.username)
                    spent += 1
        with LoopbackBrowser(idp) as new_address:
            assert attempt(new_address, client, victim.username, PASSWORD).status_code == 429
        assert attempt(usual, client, victim.username, PASSWORD).status_code == 303


def test_one_address_failures_do_not_hold_back_the_account_elsewhere(idp, client):
    victim = create_user(idp)
    with LoopbackBrowser(idp) as attacker:
        for _ in range(idp.settings.throttle_free_attempts):
            attempt(attacker, client, victim.username)
        assert attempt(attacker, client, victim.username).status_code == 429
    with LoopbackBrowser(idp) as first_time_here:  # never signed in from here
        assert attempt(first_time_here, client, victim.username, PASSWORD).status_code == 303


def test_one_address_trying_many_accounts_is_throttled__credential_stuffing(idp, client):
    free = idp.settings.throttle_address_free_attempts
    answers = []
    with LoopbackBrowser(idp) as stuffer:
        # Each account tried once; the ladder's last step (free + 2 in 4 s) is the bound
        # whatever the pace of this loop.
        while len(answers) < free + 3 and 429 not in answers:
            answers.append(attempt(stuffer, client, f"stuffed-{len(answers)}").status_code)
        refused = attempt(stuffer, client, create_user(idp).username, PASSWORD)
    assert answers[:free] == [401] * free
    assert answers[-1] == 429, answers
    assert retry_after(refused) >= 1


def test_the_throttled_page_is_the_login_page_with_a_message(idp, client):
    user = create_user(idp)
    with LoopbackBrowser(idp) as browser:
        for _ in range(idp.settings.throttle_free_attempts):
            attempt(browser, client, user.username)
        refused = attempt(browser, client, user.username)
    assert refused.headers["content-type"].startswith("text/html")
    assert user.username in refused.text  # the username is kept in the form
    assert not is_login_page(refused)  # a 429, not a 200


def test_attempts_sent_at_once_do_not_all_pass_before_one_fails(idp, client):
    """The (account, address) count takes each attempt before its password is checked:
    a burst from one address gets no more than the free failures, then 429."""
    user = create_user(idp)
    address = fresh_loopback_address()
    browsers = [
        LoopbackBrowser(idp, address) for _ in range(3 * idp.settings.throttle_free_attempts)
    ]
    try:
        pages = [login_page(browser, client) for browser in browsers]
        answers = all_at_once(
            [
                partial(browser.submit_login, page, user.username, WRONG)
                for browser, page in zip(browsers, pages, strict=True)
            ]
        )
    finally:
        for browser in browsers:
            browser.http.close()
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses.count(401) == idp.settings.throttle_free_attempts, statuses
    assert set(statuses) == {401, 429}, statuses
