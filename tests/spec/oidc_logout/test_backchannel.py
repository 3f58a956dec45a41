"""OpenID Connect Back-Channel Logout 1.0: logout tokens POSTed from the outbox to each
client of the session that registered a back-channel logout URI."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import jwt
import pytest

from idp.admin.users import set_password
from idp.authn.passwords import hash_password
from idp.oidc.backchannel_logout import LOGOUT_EVENT
from idp.outbox.model import DeliveryState
from tests.support.databases import database_url
from tests.support.flows import Browser, create_user
from tests.support.logout_receiver import Behaviour, LogoutReceiver, logout_receiver
from tests.support.relying_party import App, web_app
from tests.support.server import RunningIdp, running_idp
from tests.support.sign_in import sign_in


@pytest.fixture
def receiver() -> Iterator[LogoutReceiver]:
    with logout_receiver() as fresh:
        yield fresh


def backchannel_app(idp: RunningIdp, receiver: LogoutReceiver) -> App:
    return web_app(idp, backchannel_logout_uri=receiver.backchannel_uri)


def log_out(browser: Browser, id_token: str) -> None:
    response = browser.http.get("/logout", params={"id_token_hint": id_token})
    assert "You are signed out" in response.text, response.text


def verified_logout_token(idp: RunningIdp, token: str, audience: str) -> dict:
    jwks = jwt.PyJWKSet.from_dict(httpx.get(f"{idp.base_url}/jwks").json())
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "logout+jwt"  # §2.4, explicit typing
    key = next(k for k in jwks.keys if k.key_id == header["kid"])
    return jwt.decode(token, key, algorithms=[header["alg"]], audience=audience, issuer=idp.issuer)


def deliveries_to(idp: RunningIdp, client_id: str):
    with idp.provider.store() as store:
        return [d for d in store.list_deliveries(None, 1000) if d.client_id == client_id]


def wait_for_state(idp, client_id, predicate, timeout: float = 15):
    deadline = time.monotonic() + timeout
    while True:
        found = deliveries_to(idp, client_id)
        if found and predicate(found[0]):
            return found[0]
        assert time.monotonic() < deadline, found
        time.sleep(0.05)


def test_each_party_with_a_uri_gets_one_logout_token(idp: RunningIdp):
    user = create_user(idp)
    with logout_receiver() as first, logout_receiver() as second, Browser(idp) as browser:
        apps = [backchannel_app(idp, first), backchannel_app(idp, second), web_app(idp)]
        tokens = [sign_in(idp, app, user, browser=browser) for app in apps]
        log_out(browser, tokens[0]["id_token"])
        (to_first,) = first.wait_for_posts(1)
        (to_second,) = second.wait_for_posts(1)
        time.sleep(0.5)
        assert len(first.posts) == len(second.posts) == 1
    assert deliveries_to(idp, apps[2].client_id) == []
    sid = jwt.decode(tokens[0]["id_token"], options={"verify_signature": False})["sid"]
    for app, form in ((apps[0], to_first), (apps[1], to_second)):
        claims = verified_logout_token(idp, form["logout_token"], app.client_id)
        assert claims["sid"] == sid
        assert claims["sub"] == user.id


def test_the_logout_token_has_the_claims_of_section_2_4(idp, receiver):
    app = backchannel_app(idp, receiver)
    with Browser(idp) as browser:
        tokens = sign_in(idp, app, browser=browser)
        log_out(browser, tokens["id_token"])
    (form,) = receiver.wait_for_posts(1)
    assert set(form) == {"logout_token"}
    claims = verified_logout_token(idp, form["logout_token"], app.client_id)
    assert set(claims) == {"iss", "sub", "aud", "iat", "exp", "jti", "events", "sid"}
    assert claims["events"] == {LOGOUT_EVENT: {}}
    assert "nonce" not in claims  # §2.4: prohibited
    assert 0 < claims["exp"] - claims["iat"] <= 120
    delivery = wait_for_state(idp, app.client_id, lambda d: d.state is DeliveryState.DELIVERED)
    assert delivery.attempts == 1
    assert delivery.last_error is None


def test_a_password_change_logs_out_each_session_of_the_user(idp, receiver):
    app, user = backchannel_app(idp, receiver), create_user(idp)
    sids = set()
    for _ in range(2):
        with Browser(idp) as browser:
            id_token = sign_in(idp, app, user, browser=browser)["id_token"]
            sids.add(jwt.decode(id_token, options={"verify_signature": False})["sid"])
    with idp.provider.store() as store:
        set_password(store, idp.provider.revoker(store), user.username, hash_password("N3w-pw!x9"))
    posts = receiver.wait_for_posts(2)
    assert {
        verified_logout_token(idp, post["logout_token"], app.client_id)["sid"] for post in posts
    } == sids


def test_a_failing_receiver_is_tried_again_later_with_the_same_jti(idp, receiver):
    receiver.behaviour = Behaviour(status=500)
    app = backchannel_app(idp, receiver)
    with Browser(idp) as browser:
        log_out(browser, sign_in(idp, app, browser=browser)["id_token"])
    receiver.wait_for_posts(1)
    failed = wait_for_state(idp, app.client_id, lambda d: d.attempts == 1)
    assert failed.state is DeliveryState.PENDING
    assert failed.last_error == "HTTP 500 from the client's logout endpoint"
    assert failed.next_attempt_at > idp.clock.now(), "backoff: not retried at once"
    receiver.behaviour = Behaviour(status=204)  # §2.8: 204 is success too
    idp.clock.advance(failed.next_attempt_at - idp.clock.now())
    try:
        first, second = receiver.wait_for_posts(2)
        delivered = wait_for_state(idp, app.client_id, lambda d: d.delivered_at is not None)
    finally:
        idp.clock.advance(-(failed.next_attempt_at - idp.clock.now()))
    assert delivered.attempts == 2
    # Signed at send time, on the test's moved clock: its times are the clock's.
    jtis = {
        jwt.decode(post["logout_token"], options={"verify_signature": False})["jti"]
        for post in (first, second)
    }
    assert len(jtis) == 1, "a retry is the same logout token, so receivers can drop it"


@pytest.mark.parametrize(
    ("behaviour", "error"),
    [
        (Behaviour(status=302, location="http://127.0.0.1:9/"), "HTTP 302"),
        (Behaviour(status=400), "HTTP 400"),
        (Behaviour(huge=True), "larger than 65536 bytes"),
    ],
)
def test_a_bad_answer_is_a_failed_attempt(idp, receiver, behaviour, error):
    receiver.behaviour = behaviour
    app = backchannel_app(idp, receiver)
    with Browser(idp) as browser:
        log_out(browser, sign_in(idp, app, browser=browser)["id_token"])
    failed = wait_for_state(idp, app.client_id, lambda d: d.attempts == 1)
    assert error in (failed.last_error or "")
    assert len(receiver.posts) == 1, "redirects are not followed"


def test_a_private_target_is_refused_and_given_up_unless_allowed(tmp_path, receiver):
    """IDP_OUTBOUND_ALLOW_PRIVATE off (the default): a loopback back-channel URI is never
    sent to (SSRF), and the delivery is given up at once, with the reason."""
    with database_url("sqlite", tmp_path) as url, running_idp(url, tmp_path) as guarded:
        app = backchannel_app(guarded, receiver)
        with Browser(guarded) as browser:
            log_out(browser, sign_in(guarded, app, browser=browser)["id_token"])
        given_up = wait_for_state(guarded, app.client_id, lambda d: d.failed_at is not None)
    assert given_up.attempts == 1
    assert "non-public address 127.0.0.1" in (given_up.last_error or "")
    assert "IDP_OUTBOUND_ALLOW_PRIVATE" in (given_up.last_error or "")
    assert receiver.posts == []


def test_a_receiver_that_drips_its_answer_is_cut_off_after_the_total_timeout(idp, receiver):
    receiver.behaviour = Behaviour(drip=30)  # 60 s of answer, each byte within 5 s
    app = backchannel_app(idp, receiver)
    with Browser(idp) as browser:
        log_out(browser, sign_in(idp, app, browser=browser)["id_token"])
    started = time.monotonic()
    failed = wait_for_state(idp, app.client_id, lambda d: d.attempts == 1, timeout=20)
    assert time.monotonic() - started < 15
    assert failed.last_error == "no complete answer within 10 s"


def test_a_hanging_receiver_does_not_hold_up_the_others(idp):
    user = create_user(idp)
    with logout_receiver() as hanging, logout_receiver() as prompt, Browser(idp) as browser:
        hanging.behaviour = Behaviour(hang=8)
        slow, fast = backchannel_app(idp, hanging), backchannel_app(idp, prompt)
        id_token = sign_in(idp, slow, user, browser=browser)["id_token"]
        sign_in(idp, fast, user, browser=browser)
        started = time.monotonic()
        log_out(browser, id_token)
        prompt.wait_for_posts(1, timeout=4)
        assert time.monotonic() - started < 4
        timed_out = wait_for_state(idp, slow.client_id, lambda d: d.attempts == 1, timeout=12)
    assert "Timeout" in (timed_out.last_error or "")
