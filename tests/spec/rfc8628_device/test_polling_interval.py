"""RFC 8628 §3.5: polling over time. This module moves the server clock."""

from __future__ import annotations

from tests.spec.rfc8628_device.device import DeviceBrowser, device_client, poll, started
from tests.support.assertions import assert_oauth_error
from tests.support.flows import create_user


def pending_then_slow_down(idp):
    client, _ = device_client(idp)
    device_code = started(idp, client)["device_code"]
    assert_oauth_error(poll(idp, client, device_code), "authorization_pending")
    assert_oauth_error(poll(idp, client, device_code), "slow_down")
    return client, device_code


def test_slow_down_adds_five_seconds_to_the_interval__rfc8628_s3_5(idp):
    client, device_code = pending_then_slow_down(idp)
    idp.clock.advance(6)
    assert_oauth_error(poll(idp, client, device_code), "slow_down")


def test_polling_at_the_increased_interval_is_pending_again__rfc8628_s3_5(idp):
    client, device_code = pending_then_slow_down(idp)
    idp.clock.advance(10)
    assert_oauth_error(poll(idp, client, device_code), "authorization_pending")


def test_approved_device_gets_tokens_at_the_next_poll__rfc8628_s3_5(idp):
    client, _ = device_client(idp)
    device = started(idp, client)
    assert_oauth_error(poll(idp, client, device["device_code"]), "authorization_pending")
    with DeviceBrowser(idp) as browser:
        browser.approve(create_user(idp), device["user_code"])
    idp.clock.advance(device["interval"])
    response = poll(idp, client, device["device_code"])
    assert response.status_code == 200, response.text
    assert response.json()["access_token"]


def test_denied_device_gets_access_denied_at_the_next_poll__rfc8628_s3_5(idp):
    client, _ = device_client(idp)
    device = started(idp, client)
    assert_oauth_error(poll(idp, client, device["device_code"]), "authorization_pending")
    with DeviceBrowser(idp) as browser:
        browser.approve(create_user(idp), device["user_code"], decision="deny")
    idp.clock.advance(device["interval"])
    assert_oauth_error(poll(idp, client, device["device_code"]), "access_denied")


def test_expired_device_code_is_expired_token__rfc8628_s3_5(idp):
    client, _ = device_client(idp)
    device = started(idp, client)
    idp.clock.advance(device["expires_in"])
    assert_oauth_error(poll(idp, client, device["device_code"]), "expired_token")


def test_expired_user_code_is_refused_on_the_page__rfc8628_s3_3(idp):
    client, _ = device_client(idp)
    device = started(idp, client)
    idp.clock.advance(device["expires_in"])
    with DeviceBrowser(idp) as browser:
        assert browser.enter_code(device["user_code"]).status_code == 400
