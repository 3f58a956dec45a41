"""Remembered devices (docs/authentication.md, "Risk signals"): a browser where the user
gave the code and asked to be remembered skips the code at their later sign-ins from a
network it signed in from, when their own enrolment is the only reason for the code
(never when the operator requires it: of the user, by a role or group, or of a client);
a new device or a new network is asked for it; forged, expired, another user's or a
forgotten device's cookies are ignored; each decision is a row of the security log."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from idp.authn.methods import MFA_ACR, PASSWORD_ACR
from idp.authn.totp import STEP
from idp.authz.management import Authz
from idp.revocation.events import OPERATOR
from tests.spec.risk_signals.conftest import REMEMBER_DAYS
from tests.support.assertions import verify_id_token
from tests.support.flows import PASSWORD, Browser, create_user, csrf_token, register
from tests.support.pages import form_action, is_login_page
from tests.support.relying_party import security_events
from tests.support.second_factor import (
    Enrolled,
    authorization_request,
    enrol,
    is_second_factor_page,
    password_step,
    to_client,
    tokens_for,
)

DEVICE_COOKIE = "idp_device"
SESSION_COOKIE = "idp_session"
HOME = "198.51.100.7"
HOME_NEIGHBOUR = "198.51.100.200"  # the same /24
CAFE = "203.0.113.9"
NEW_DEVICE = "urn:tessera:event:new-device"
NEW_NETWORK = "urn:tessera:event:new-network"
REMEMBERED = "urn:tessera:event:device-remembered"
REFUSED = "urn:tessera:event:device-cookie-refused"
SKIPPED = "urn:tessera:event:second-factor-skipped"


@pytest.fixture
def app(idp):
    return register(idp, first_party=True, name="Risk App")


@pytest.fixture
def enrolled(idp) -> Enrolled:
    return enrol(idp, create_user(idp))


@pytest.fixture
def browser(idp) -> Iterator[Browser]:
    with Browser(idp) as fresh:
        at(fresh, HOME)
        yield fresh


def at(browser: Browser, address: str) -> Browser:
    browser.http.headers["X-Forwarded-For"] = address
    return browser


def new_sign_in(browser: Browser) -> None:
    """Signed out (the session cookie gone), the device cookie kept."""
    browser.http.cookies.delete(SESSION_COOKIE)


def give_code(idp, browser, page, enrolled: Enrolled, *, remember: bool):
    idp.clock.advance(STEP)  # a code of its own: each is accepted once (RFC 6238 §5.2)
    data = {"csrf_token": csrf_token(page.text), "code": enrolled.code(idp), "verify": "1"}
    if remember:
        data["remember_device"] = "1"
    return browser.http.post(form_action(page, "second-factor"), data=data)


def sign_in(idp, browser, app, enrolled, **params):
    """Password; the code when asked (not remembered); the ID token's claims and
    whether the code was asked."""
    client, secret = app
    request, verifier = authorization_request(client, **params)
    page = password_step(browser, enrolled.user, request)
    asked = is_second_factor_page(page)
    if asked:
        page = give_code(idp, browser, page, enrolled, remember=False)
    query = to_client(browser, page)
    tokens = tokens_for(idp, client, query, verifier, secret)
    return verify_id_token(idp, tokens["id_token"], client), asked


def remember_here(idp, browser, app, enrolled) -> None:
    client, _secret = app
    request, _verifier = authorization_request(client)
    page = password_step(browser, enrolled.user, request)
    assert is_second_factor_page(page)
    assert f"Remember this device for {REMEMBER_DAYS} days" in page.text
    done = give_code(idp, browser, page, enrolled, remember=True)
    assert done.status_code == 303, done.text
    assert browser.http.cookies.get(DEVICE_COOKIE)
    to_client(browser, done)
    new_sign_in(browser)


def events(idp, enrolled, event_type):
    return [e for e in security_events(idp, enrolled.user.id) if e["event_type"] == event_type]


def test_a_remembered_device_on_its_network_skips_the_code(idp, browser, app, enrolled):
    remember_here(idp, browser, app, enrolled)
    assert events(idp, enrolled, REMEMBERED)[0]["detail"]["network"] == "198.51.100.0/24"
    claims, asked = sign_in(idp, browser, app, enrolled)
    assert not asked
    # What happened is what the tokens say: a password only (RFC 8176 §2, OIDC Core §2).
    assert (claims["acr"], claims["amr"]) == (PASSWORD_ACR, ["pwd"])
    new_sign_in(at(browser, HOME_NEIGHBOUR))
    assert not sign_in(idp, browser, app, enrolled)[1]
    skipped = events(idp, enrolled, SKIPPED)
    assert [event["detail"]["network"] for event in skipped] == ["198.51.100.0/24"] * 2


def test_a_new_network_asks_for_the_code_and_is_then_known(idp, browser, app, enrolled):
    remember_here(idp, browser, app, enrolled)
    at(browser, CAFE)
    claims, asked = sign_in(idp, browser, app, enrolled)
    assert asked
    assert claims["acr"] == MFA_ACR
    assert events(idp, enrolled, NEW_NETWORK)[0]["detail"]["network"] == "203.0.113.0/24"
    new_sign_in(browser)
    assert not sign_in(idp, browser, app, enrolled)[1]  # the code was given from there


def test_a_new_device_asks_for_the_code(idp, browser, app, enrolled):
    remember_here(idp, browser, app, enrolled)
    with Browser(idp) as elsewhere:
        assert sign_in(idp, at(elsewhere, HOME), app, enrolled)[1]
    assert events(idp, enrolled, NEW_DEVICE)


def test_no_device_is_remembered_unless_asked(idp, browser, app, enrolled):
    assert sign_in(idp, browser, app, enrolled)[1]
    assert browser.http.cookies.get(DEVICE_COOKIE) is None
    new_sign_in(browser)
    assert sign_in(idp, browser, app, enrolled)[1]
    assert not events(idp, enrolled, REMEMBERED)


@pytest.mark.parametrize(
    "params",
    [
        {"acr_values": MFA_ACR},  # the request asks for the MFA class (OIDC Core §3.1.2.1)
        {"prompt": "login"},  # the user is to authenticate again
        {"max_age": "3600"},
    ],
    ids=["acr_values", "prompt_login", "max_age"],
)
def test_the_code_is_asked_when_the_request_asks_for_it(idp, browser, app, enrolled, params):
    remember_here(idp, browser, app, enrolled)
    claims, asked = sign_in(idp, browser, app, enrolled, **params)
    assert asked
    assert claims["acr"] == MFA_ACR


def test_the_code_is_asked_when_the_client_requires_mfa(idp, browser, enrolled, app):
    remember_here(idp, browser, app, enrolled)
    strict = register(idp, first_party=True, require_mfa=True)
    assert sign_in(idp, browser, strict, enrolled)[1]


def test_the_code_is_asked_when_the_operator_requires_it_of_the_user(idp, browser, app, enrolled):
    remember_here(idp, browser, app, enrolled)
    with idp.provider.store() as store:
        store.set_mfa_required(enrolled.user.id, True, idp.clock.now())
    assert sign_in(idp, browser, app, enrolled)[1]


def test_the_code_is_asked_when_a_group_of_the_user_requires_it(idp, browser, app, enrolled):
    remember_here(idp, browser, app, enrolled)
    group = f"vault-{enrolled.user.id[:8]}"
    with idp.provider.store() as store:
        authz = Authz(store, idp.clock.now(), OPERATOR)
        authz.create_group(group)
        authz.add_member(group, enrolled.user.id)
        authz.require_mfa_of_group(group, True)
    idp.provider.refresh_caches()
    assert sign_in(idp, browser, app, enrolled)[1]


def test_a_forged_device_cookie_is_ignored_and_recorded(idp, browser, app, enrolled):
    browser.http.cookies.set(DEVICE_COOKIE, "Zm9yZ2Vk" * 8, domain="127.0.0.1")
    assert sign_in(idp, browser, app, enrolled)[1]
    (refused,) = events(idp, enrolled, REFUSED)
    assert refused["detail"]["reason"] == "forged"


def test_an_altered_device_cookie_is_ignored_and_recorded(idp, browser, app, enrolled):
    remember_here(idp, browser, app, enrolled)
    value = browser.http.cookies.get(DEVICE_COOKIE)
    flipped = value[:-3] + ("A" if value[-3] != "A" else "B") + value[-2:]
    browser.http.cookies.delete(DEVICE_COOKIE)
    browser.http.cookies.set(DEVICE_COOKIE, flipped, domain="127.0.0.1")
    assert sign_in(idp, browser, app, enrolled)[1]
    assert events(idp, enrolled, REFUSED)[0]["detail"]["reason"] == "forged"


def test_another_users_device_cookie_is_ignored_and_recorded(idp, browser, app, enrolled):
    remember_here(idp, browser, app, enrolled)
    other = enrol(idp, create_user(idp))
    assert sign_in(idp, browser, app, other)[1]
    assert events(idp, other, REFUSED)[0]["detail"]["reason"] == "other_user"


def test_an_expired_device_cookie_is_ignored_and_recorded(idp, browser, app, enrolled):
    remember_here(idp, browser, app, enrolled)
    idp.clock.advance(REMEMBER_DAYS * 86400 + 1)
    assert sign_in(idp, browser, app, enrolled)[1]
    assert events(idp, enrolled, REFUSED)[0]["detail"]["reason"] == "expired"


def test_a_forgotten_device_is_asked_for_the_code_again(idp, browser, app, enrolled):
    remember_here(idp, browser, app, enrolled)
    page = sign_in_to_devices(idp, browser, enrolled)
    assert "198.51.100.0/24" in page.text
    forgot = browser.http.post(
        "/account/devices/forget", data={"csrf_token": csrf_token(page.text), "all": "1"}
    )
    assert forgot.status_code == 303
    assert 'id="no-devices"' in browser.follow(forgot).text
    new_sign_in(browser)
    assert sign_in(idp, browser, app, enrolled)[1]
    assert events(idp, enrolled, REFUSED)[-1]["detail"]["reason"] == "forgotten"


def test_forgetting_one_device_keeps_the_others(idp, browser, app, enrolled):
    remember_here(idp, browser, app, enrolled)
    with Browser(idp) as laptop:
        remember_here(idp, at(laptop, CAFE), app, enrolled)
        page = sign_in_to_devices(idp, browser, enrolled)
        digests = device_fields(page.text)
        assert len(digests) == 2
        with idp.provider.store() as store:
            devices = store.list_remembered_devices(enrolled.user.id, idp.clock.now())
        cafe = next(d.device_digest for d in devices if "203.0.113.0/24" in d.networks)
        forgot = browser.http.post(
            "/account/devices/forget", data={"csrf_token": csrf_token(page.text), "device": cafe}
        )
        assert forgot.status_code == 303
        assert device_fields(browser.follow(forgot).text) == [d for d in digests if d != cafe]
        new_sign_in(laptop)
        assert sign_in(idp, laptop, app, enrolled)[1]
    new_sign_in(browser)
    assert not sign_in(idp, browser, app, enrolled)[1]


def test_forgetting_an_unknown_device_is_a_clear_400(idp, browser, app, enrolled):
    remember_here(idp, browser, app, enrolled)
    page = sign_in_to_devices(idp, browser, enrolled)
    for device in ("0" * 64, "", "x" * 5000):
        response = browser.http.post(
            "/account/devices/forget", data={"csrf_token": csrf_token(page.text), "device": device}
        )
        assert response.status_code in (400, 413), response.text
        assert response.headers["content-type"].startswith("text/html")
    assert len(device_fields(sign_in_to_devices(idp, browser, enrolled).text)) == 1


def test_forgetting_without_the_csrf_token_is_forbidden__owasp_csrf(idp, browser, enrolled):
    sign_in_to_devices(idp, browser, enrolled)
    response = browser.http.post("/account/devices/forget", data={"all": "1"})
    assert response.status_code == 403


def sign_in_to_devices(idp, browser, enrolled):
    page = browser.follow(browser.http.get("/account/devices"))
    if is_login_page(page):
        page = browser.follow(browser.submit_login(page, enrolled.user.username, PASSWORD))
        if is_second_factor_page(page):
            page = browser.follow(give_code(idp, browser, page, enrolled, remember=False))
    assert page.status_code == 200, page.text
    assert "Remembered devices" in page.text
    return page


def device_fields(html: str) -> list[str]:
    return re.findall(r'name="device" value="([0-9a-f]{64})"', html)


def test_removing_the_app_forgets_every_device(idp, browser, app, enrolled):
    remember_here(idp, browser, app, enrolled)
    # The account's recent sign-in asks for the code even on the remembered device.
    page = browser.follow(browser.http.get("/account/mfa/totp/remove"))
    page = browser.follow(browser.submit_login(page, enrolled.user.username, PASSWORD))
    assert is_second_factor_page(page)
    page = browser.follow(give_code(idp, browser, page, enrolled, remember=False))
    removed = browser.http.post(
        "/account/mfa/totp/remove", data={"csrf_token": csrf_token(page.text), "remove": "1"}
    )
    assert removed.status_code == 303
    with idp.provider.store() as store:
        assert store.list_remembered_devices(enrolled.user.id, idp.clock.now()) == []


def test_a_session_that_skipped_the_code_is_stepped_up_from_a_new_network(
    idp, browser, app, enrolled
):
    remember_here(idp, browser, app, enrolled)
    assert not sign_in(idp, browser, app, enrolled)[1]
    at(browser, CAFE)  # the same session, elsewhere: the code is owed there
    client, secret = app
    request, verifier = authorization_request(client)
    page = browser.follow(browser.authorize(**request))
    assert is_second_factor_page(page), page.text  # a step-up: the code only
    query = to_client(browser, give_code(idp, browser, page, enrolled, remember=False))
    tokens = tokens_for(idp, client, query, verifier, secret)
    assert verify_id_token(idp, tokens["id_token"], client)["acr"] == MFA_ACR
