"""RFC 6749 §4.1.2.1, §3.1.2.4: while the client or its redirect URI is not verified,
errors are shown to the user on the IdP and never redirected anywhere."""

from __future__ import annotations

import pytest

from tests.support.authorization import assert_error_page, request_params
from tests.support.flows import REDIRECT_URI


def test_unknown_client_gets_error_page_not_redirect__rfc6749_s4_1_2_1(browser, client):
    assert_error_page(browser.authorize(**request_params(client, client_id="no-such-client")))


def test_missing_client_id_gets_error_page_not_redirect__rfc6749_s4_1_2_1(browser, client):
    assert_error_page(browser.authorize(**request_params(client, client_id=None)))


def test_missing_redirect_uri_gets_error_page_not_redirect__oidc_core_s3_1_2_1(browser, client):
    assert_error_page(browser.authorize(**request_params(client, redirect_uri=None)))


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/cb",
        REDIRECT_URI + "/more",  # registered URI as a prefix
        REDIRECT_URI + "?next=https://evil.example",
        REDIRECT_URI[:-1],  # a prefix of the registered URI
        "evil" + REDIRECT_URI,  # registered URI as a suffix
        REDIRECT_URI.replace("https:", "http:"),
        REDIRECT_URI.upper(),
    ],
)
def test_unregistered_redirect_uri_gets_error_page_not_redirect__rfc6749_s3_1_2_4(
    browser, client, redirect_uri
):
    page = browser.authorize(**request_params(client, redirect_uri=redirect_uri))
    assert_error_page(page)
    assert "invalid_request" in page.text


def test_repeated_redirect_uri_gets_error_page_not_redirect__rfc6749_s3_1(browser, client):
    params = [*request_params(client).items(), ("redirect_uri", "https://evil.example/cb")]
    assert_error_page(browser.http.get("/authorize", params=params))


def test_bad_request_for_unknown_client_is_still_not_redirected__rfc6749_s4_1_2_1(browser, client):
    params = request_params(client, client_id="no-such-client", response_type="token")
    assert_error_page(browser.authorize(**params))
