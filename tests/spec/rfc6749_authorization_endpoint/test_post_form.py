"""OIDC Core §3.1.2.1: the authorization endpoint accepts POST with a form body, with the
same meaning as GET; any other body is a malformed request shown on the IdP."""

from __future__ import annotations

from tests.support.authorization import (
    assert_code_issued,
    assert_error_page,
    assert_redirected_error,
    request_params,
)
from tests.support.flows import PASSWORD
from tests.support.pages import is_login_page


def test_post_form_leads_to_login_and_a_code__oidc_core_s3_1_2_1(idp, browser, client, user):
    page = browser.follow(browser.http.post("/authorize", data=request_params(client)))
    assert is_login_page(page)
    page = browser.follow(browser.submit_login(page, user.username, PASSWORD))
    response = browser.follow(browser.submit_consent(page))
    assert assert_code_issued(response, client)["state"] == request_params(client)["state"]


def test_post_form_errors_redirect_like_get__oidc_core_s3_1_2_1(idp, browser, client):
    response = browser.http.post("/authorize", data=request_params(client, response_type="token"))
    assert response.status_code == 303  # RFC 9700 §4.12: not 307, which would re-POST
    assert_redirected_error(response, idp, client, "unsupported_response_type")


def test_post_form_with_unknown_client_gets_error_page__rfc6749_s4_1_2_1(browser, client):
    data = request_params(client, client_id="no-such-client")
    assert_error_page(browser.http.post("/authorize", data=data))


def test_post_with_json_body_gets_error_page__oidc_core_s3_1_2_1(browser, client):
    assert_error_page(browser.http.post("/authorize", json=request_params(client)))


def test_post_without_content_type_gets_error_page__oidc_core_s3_1_2_1(browser, client):
    body = "&".join(f"{name}={value}" for name, value in request_params(client).items())
    assert_error_page(browser.http.post("/authorize", content=body.encode()))
