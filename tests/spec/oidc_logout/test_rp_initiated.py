"""OpenID Connect RP-Initiated Logout 1.0 at the end-session endpoint."""

from __future__ import annotations

import base64
import json

import httpx
import jwt
import pytest

from tests.support.authorization import assert_error_page
from tests.support.flows import Browser, create_user, csrf_token, query_of
from tests.support.relying_party import App, has_sso_session, introspection, refresh, web_app
from tests.support.server import RunningIdp
from tests.support.sign_in import sign_in

RETURN_TO = "https://app.example/signed-out"


@pytest.fixture(scope="module")
def app(idp: RunningIdp) -> App:
    return web_app(idp, post_logout_redirect_uris=[RETURN_TO])


@pytest.fixture
def signed_in(idp: RunningIdp, app: App):
    """A browser with a live session, and the tokens the app got in it."""
    with Browser(idp) as browser:
        tokens = sign_in(idp, app, create_user(idp), browser=browser, scope="openid offline_access")
        yield browser, tokens


def end_session(browser: Browser, **params: str) -> httpx.Response:
    return browser.http.get("/logout", params=params)


def test_discovery_names_the_endpoint_and_the_logout_channels(idp: RunningIdp):
    metadata = httpx.get(f"{idp.base_url}/.well-known/openid-configuration").json()
    assert metadata["end_session_endpoint"] == f"{idp.issuer}/logout"
    for name in (
        "frontchannel_logout_supported",
        "frontchannel_logout_session_supported",
        "backchannel_logout_supported",
        "backchannel_logout_session_supported",
    ):
        assert metadata[name] is True


def test_a_hint_for_the_session_user_logs_out_and_returns_with_state(idp, app, signed_in):
    browser, tokens = signed_in
    response = end_session(
        browser,
        id_token_hint=tokens["id_token"],
        post_logout_redirect_uri=RETURN_TO,
        state="xyz 1",
    )
    assert response.status_code == 302, response.text
    assert response.headers["location"].split("?")[0] == RETURN_TO
    assert query_of(response.headers["location"]) == {"state": "xyz 1"}
    assert response.headers["clear-site-data"] == '"cookies"'
    assert "idp_session=" in response.headers["set-cookie"]
    assert "max-age=0" in response.headers["set-cookie"].lower()
    assert not has_sso_session(browser, app)


def test_logout_takes_back_every_token_of_the_session(idp, app, signed_in):
    browser, tokens = signed_in
    end_session(browser, id_token_hint=tokens["id_token"])
    assert introspection(idp, app, tokens["access_token"]) == {"active": False}
    refused = refresh(idp, app, tokens["refresh_token"])
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


def test_without_a_redirect_uri_the_user_sees_they_are_signed_out(idp, signed_in):
    browser, tokens = signed_in
    page = end_session(browser, id_token_hint=tokens["id_token"])
    assert page.status_code == 200
    assert "You are signed out" in page.text
    assert "location" not in page.headers


def test_the_form_post_variant_is_honoured(idp, app, signed_in):
    browser, tokens = signed_in
    response = browser.http.post(
        "/logout",
        data={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": RETURN_TO},
    )
    assert response.status_code == 303
    assert response.headers["location"] == RETURN_TO
    assert not has_sso_session(browser, app)


def test_an_expired_hint_still_identifies_the_user(idp, app, signed_in):
    browser, tokens = signed_in
    idp.clock.advance(3600)
    try:
        response = end_session(browser, id_token_hint=tokens["id_token"])
    finally:
        idp.clock.advance(-3600)
    assert "You are signed out" in response.text


def test_without_a_hint_the_user_confirms_with_a_protected_form(idp, app, signed_in):
    browser, _tokens = signed_in
    page = end_session(browser, client_id=app.client_id, post_logout_redirect_uri=RETURN_TO)
    assert page.status_code == 200
    assert "Sign out?" in page.text
    assert has_sso_session(browser, app), "nothing ends before the user confirms"
    forged = browser.http.post(
        "/logout/confirm", data={"decision": "logout", "client_id": app.client_id}
    )
    assert forged.status_code == 403
    assert has_sso_session(browser, app)
    confirmed = browser.http.post(
        "/logout/confirm",
        data={
            "csrf_token": csrf_token(page.text),
            "decision": "logout",
            "client_id": app.client_id,
            "post_logout_redirect_uri": RETURN_TO,
        },
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == RETURN_TO
    assert not has_sso_session(browser, app)


@pytest.mark.parametrize("decision", ["stay", "", "maybe"])
def test_staying_signed_in_changes_nothing_and_is_not_reported_as_a_logout(
    idp, app, signed_in, decision
):
    browser, _tokens = signed_in
    page = end_session(browser, client_id=app.client_id, post_logout_redirect_uri=RETURN_TO)
    stayed = browser.http.post(
        "/logout/confirm",
        data={
            "csrf_token": csrf_token(page.text),
            "decision": decision,
            "client_id": app.client_id,
            "post_logout_redirect_uri": RETURN_TO,
        },
    )
    assert stayed.status_code == 200
    assert "location" not in stayed.headers
    assert "still signed in" in stayed.text
    assert f'href="{RETURN_TO}"' in stayed.text  # the user may go back by the link
    assert "logout.js" not in stayed.text
    assert has_sso_session(browser, app)


def test_a_hint_for_another_user_is_confirmed_first(idp, app, signed_in):
    browser, _tokens = signed_in
    with Browser(idp) as other:
        others = sign_in(idp, app, create_user(idp), browser=other)
    page = end_session(browser, id_token_hint=others["id_token"])
    assert "Sign out?" in page.text
    assert has_sso_session(browser, app)


def test_a_hint_from_an_earlier_session_of_the_user_is_confirmed_first(idp, app):
    user = create_user(idp)
    with Browser(idp) as earlier:
        old = sign_in(idp, app, user, browser=earlier)
    with Browser(idp) as browser:
        sign_in(idp, app, user, browser=browser)
        page = end_session(browser, id_token_hint=old["id_token"])
        assert "Sign out?" in page.text
        assert has_sso_session(browser, app)


def test_with_no_session_the_browser_returns_at_once(idp, app):
    with Browser(idp) as browser:
        response = end_session(
            browser, client_id=app.client_id, post_logout_redirect_uri=RETURN_TO, state="s"
        )
    assert response.status_code == 302
    assert response.headers["location"] == f"{RETURN_TO}?state=s"


@pytest.mark.parametrize(
    "uri",
    [
        "https://evil.example/signed-out",
        RETURN_TO + "?next=/admin",  # a query added to a registered URI
        RETURN_TO + "/",
        "https://APP.example/signed-out",
    ],
)
def test_an_unregistered_return_uri_is_refused_on_an_idp_page(idp, app, signed_in, uri):
    browser, tokens = signed_in
    page = end_session(browser, id_token_hint=tokens["id_token"], post_logout_redirect_uri=uri)
    assert_error_page(page)
    assert has_sso_session(browser, app), "a refused request ends nothing"


def test_a_return_uri_needs_a_client(idp, app, signed_in):
    browser, _tokens = signed_in
    assert_error_page(end_session(browser, post_logout_redirect_uri=RETURN_TO))


def test_client_id_must_be_the_audience_of_the_hint(idp, app, signed_in):
    browser, tokens = signed_in
    other = web_app(idp, post_logout_redirect_uris=[RETURN_TO])
    page = end_session(browser, id_token_hint=tokens["id_token"], client_id=other.client_id)
    assert_error_page(page)


def _unsigned(token: str) -> str:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return header.rstrip(b"=").decode() + "." + token.split(".")[1] + "."


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    return f"{header}.{payload}.{signature[:-4]}AAAA"


def _foreign(token: str) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode({**claims, "iss": "https://other.example"}, "k" * 32, algorithm="HS256")


@pytest.mark.parametrize("forge", [_unsigned, _tampered, _foreign, lambda _t: "not-a-jwt"])
def test_a_hint_that_is_not_our_id_token_is_refused(idp, app, signed_in, forge):
    browser, tokens = signed_in
    page = end_session(
        browser, id_token_hint=forge(tokens["id_token"]), post_logout_redirect_uri=RETURN_TO
    )
    assert_error_page(page)
    assert has_sso_session(browser, app)


def test_an_access_token_is_no_hint(idp, app, signed_in):
    browser, tokens = signed_in
    assert_error_page(end_session(browser, id_token_hint=tokens["access_token"]))


def test_a_repeated_parameter_is_refused(idp, app, signed_in):
    browser, tokens = signed_in
    page = browser.http.get(
        "/logout",
        params=[("id_token_hint", tokens["id_token"]), ("state", "a"), ("state", "b")],
    )
    assert_error_page(page)
