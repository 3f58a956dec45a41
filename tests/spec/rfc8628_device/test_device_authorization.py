"""RFC 8628: the device authorization endpoint, the verification page and the token
poll, without moving the clock (see test_polling_interval.py for that)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.spec.rfc8628_device.device import (
    USER_CODE,
    DeviceBrowser,
    device_client,
    poll,
    start,
    started,
)
from tests.support.assertions import assert_oauth_error, verify_access_token, verify_jwt
from tests.support.flows import PASSWORD, create_user, register
from tests.support.pages import is_consent_page, is_login_page

WRONG_CODE = "BBBB-BBBB"


def test_device_authorization_response__rfc8628_s3_2(idp):
    client, _ = device_client(idp)
    response = start(idp, client)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["device_code"]
    assert USER_CODE.fullmatch(body["user_code"]), body["user_code"]
    assert body["verification_uri"] == f"{idp.base_url}/device"
    complete = urlsplit(body["verification_uri_complete"])
    assert complete.path == "/device"
    (code_in_uri,) = parse_qs(complete.query)["user_code"]
    assert code_in_uri.replace("-", "") == body["user_code"].replace("-", "")
    assert 0 < body["expires_in"] <= 600
    assert body["interval"] == 5


def test_client_without_the_grant_is_unauthorized_client__rfc8628_s3_2(idp):
    client, _ = register(idp, public=True)
    assert_oauth_error(start(idp, client), "unauthorized_client")


def test_polling_before_approval_is_authorization_pending__rfc8628_s3_5(idp):
    client, _ = device_client(idp)
    assert_oauth_error(
        poll(idp, client, started(idp, client)["device_code"]), "authorization_pending"
    )


def test_polling_again_within_the_interval_gets_slow_down__rfc8628_s3_5(idp):
    client, _ = device_client(idp)
    device_code = started(idp, client)["device_code"]
    assert_oauth_error(poll(idp, client, device_code), "authorization_pending")
    assert_oauth_error(poll(idp, client, device_code), "slow_down")


def test_verification_uri_complete_prefills_the_code__rfc8628_s3_3_1(idp):
    client, _ = device_client(idp)
    device = started(idp, client)
    code_in_uri = parse_qs(urlsplit(device["verification_uri_complete"]).query)["user_code"][0]
    with DeviceBrowser(idp) as browser:
        page = browser.http.get(device["verification_uri_complete"])
        assert page.status_code == 200, page.text
        assert 'name="user_code" type="text"' in page.text
        assert f'value="{code_in_uri}"' in page.text
        assert is_login_page(browser.enter_code(code_in_uri, device["verification_uri_complete"]))


def test_user_enters_code_signs_in_consents_and_device_is_connected__rfc8628_s3_3(idp):
    client, _ = device_client(idp, name="Living Room TV")
    user = create_user(idp)
    device = started(idp, client)
    with DeviceBrowser(idp) as browser:
        login = browser.enter_code(device["user_code"])
        assert is_login_page(login), login.text
        consent = browser.follow(browser.submit_login(login, user.username, PASSWORD))
        assert is_consent_page(consent), consent.text
        assert "Living Room TV" in consent.text
        done = browser.follow(browser.submit_consent(consent))
    assert done.status_code == 200
    assert "Device connected" in done.text


def test_user_code_is_case_insensitive_and_dash_optional__rfc8628_s6_1(idp):
    client, _ = device_client(idp)
    typed = started(idp, client)["user_code"].replace("-", "").lower()
    with DeviceBrowser(idp) as browser:
        assert is_login_page(browser.enter_code(typed))


def test_approved_device_gets_tokens__rfc8628_s3_5(idp):
    client, _ = device_client(idp, extra_grants=("refresh_token",))
    user = create_user(idp)
    device = started(idp, client)
    with DeviceBrowser(idp) as browser:
        assert "Device connected" in browser.approve(user, device["user_code"]).text
    response = poll(idp, client, device["device_code"])
    assert response.status_code == 200, response.text
    tokens = response.json()
    access = verify_access_token(idp, tokens["access_token"])
    assert access["sub"] == user.id
    assert access["client_id"] == client.client_id
    id_token = verify_jwt(idp, tokens["id_token"], algorithm="RS256", audience=client.client_id)
    assert id_token["sub"] == user.id
    assert tokens["refresh_token"]


def test_no_id_token_without_openid_nor_refresh_token_without_the_grant__rfc8628_s3_5(idp):
    client, secret = device_client(idp, public=False, scope="profile")
    user = create_user(idp)
    device = start(idp, client, secret, scope="profile").json()
    with DeviceBrowser(idp) as browser:
        browser.approve(user, device["user_code"])
    response = poll(idp, client, device["device_code"], secret)
    assert response.status_code == 200, response.text
    assert "id_token" not in response.json()
    assert "refresh_token" not in response.json()


def test_device_code_is_single_use__rfc8628_s3_5(idp):
    client, _ = device_client(idp)
    device = started(idp, client)
    with DeviceBrowser(idp) as browser:
        browser.approve(create_user(idp), device["user_code"])
    assert poll(idp, client, device["device_code"]).status_code == 200
    assert_oauth_error(poll(idp, client, device["device_code"]), "invalid_grant")


def test_no_tokens_once_the_approving_user_is_disabled__rfc8628_s3_5(idp):
    client, _ = device_client(idp)
    user = create_user(idp)
    device = started(idp, client)
    with DeviceBrowser(idp) as browser:
        browser.approve(user, device["user_code"])
    with idp.provider.store() as store:
        store.set_user_disabled(user.id, True, idp.clock.now())
    assert_oauth_error(poll(idp, client, device["device_code"]), "invalid_grant")


def test_user_denies_and_device_gets_access_denied__rfc8628_s3_5(idp):
    client, _ = device_client(idp)
    device = started(idp, client)
    with DeviceBrowser(idp) as browser:
        page = browser.approve(create_user(idp), device["user_code"], decision="deny")
    assert "Access denied" in page.text
    assert_oauth_error(poll(idp, client, device["device_code"]), "access_denied")


def test_device_code_of_another_client_is_invalid_grant__rfc8628_s3_4(idp):
    owner, _ = device_client(idp)
    other, _ = device_client(idp)
    assert_oauth_error(poll(idp, other, started(idp, owner)["device_code"]), "invalid_grant")


def test_wrong_user_code_shows_an_error__rfc8628_s3_3(idp):
    with DeviceBrowser(idp) as browser:
        page = browser.enter_code(WRONG_CODE)
    assert page.status_code == 400
    assert "That code is not valid" in page.text


def test_used_user_code_cannot_be_entered_again__rfc8628_s6_1(idp):
    client, _ = device_client(idp)
    device = started(idp, client)
    with DeviceBrowser(idp) as browser:
        browser.approve(create_user(idp), device["user_code"])
        assert browser.enter_code(device["user_code"]).status_code == 400


def test_wrong_codes_past_the_free_attempts_are_refused_with_429__rfc8628_s5_1(idp):
    client, _ = device_client(idp)
    device = started(idp, client)
    with DeviceBrowser(idp) as browser:
        for _ in range(idp.settings.throttle_free_attempts):
            assert browser.enter_code(WRONG_CODE).status_code == 400
        refused = browser.enter_code(device["user_code"])
    assert refused.status_code == 429
    assert not is_login_page(refused)


def test_consent_is_asked_for_every_device__rfc8628_s5_4(idp):
    client, _ = device_client(idp)
    user = create_user(idp)
    first, second = started(idp, client), started(idp, client)
    with DeviceBrowser(idp) as browser:
        browser.approve(user, first["user_code"])
        page = browser.enter_code(second["user_code"])
    assert is_consent_page(page), page.text


def test_consent_is_asked_even_for_a_first_party_device_client__rfc8628_s5_4(idp):
    client, _ = device_client(idp, first_party=True)
    user = create_user(idp)
    device = started(idp, client)
    with DeviceBrowser(idp) as browser:
        login = browser.enter_code(device["user_code"])
        page = browser.follow(browser.submit_login(login, user.username, PASSWORD))
    assert is_consent_page(page), page.text
