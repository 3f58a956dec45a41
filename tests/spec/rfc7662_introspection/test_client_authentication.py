"""RFC 7662 §2.1: the introspection endpoint requires client authentication; Tessera
answers only authenticated confidential clients, with 401 invalid_client otherwise."""

from __future__ import annotations

from tests.support.assertions import assert_oauth_error
from tests.support.client_requests import post_form
from tests.support.flows import register
from tests.support.relying_party import introspect, web_app
from tests.support.sign_in import sign_in


def test_public_client_may_not_introspect__rfc7662_s2_1(idp):
    public, _ = register(idp, public=True, grant_types=["authorization_code", "refresh_token"])
    token = sign_in(idp, web_app(idp))["access_token"]
    response = post_form(idp, "/introspect", {"token": token, "client_id": public.client_id})
    assert_oauth_error(response, "invalid_client", status=401)


def test_request_without_client_authentication_is_refused__rfc7662_s2_1(idp):
    token = sign_in(idp, web_app(idp))["access_token"]
    response = post_form(idp, "/introspect", {"token": token})
    assert_oauth_error(response, "invalid_client", status=401)


def test_wrong_client_secret_is_refused__rfc7662_s2_1(idp):
    app = web_app(idp)
    token = sign_in(idp, app)["access_token"]
    response = post_form(idp, "/introspect", {"token": token}, auth=(app.client_id, "wrong-secret"))
    assert_oauth_error(response, "invalid_client", status=401)


def test_missing_token_is_invalid_request__rfc7662_s2_1(idp):
    app = web_app(idp)
    assert_oauth_error(post_form(idp, "/introspect", {}, auth=app.auth), "invalid_request")


def test_introspection_response_is_not_cached__rfc7662_s4(idp):
    app = web_app(idp)
    response = introspect(idp, app, sign_in(idp, app)["access_token"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
