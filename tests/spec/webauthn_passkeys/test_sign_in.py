"""Passwordless sign-in with a passkey (WebAuthn L3 §7.2, a discoverable credential and
user verification required) to an OpenID Connect client: the tokens say acr
urn:tessera:acr:phr and the RFC 8176 amr values; and every way an assertion can be
wrong is a clear 4xx JSON error (WebAuthn L3 §7.2 steps), never a sign-in or a 500."""

from __future__ import annotations

import base64
import json

import pytest

from idp.authn.methods import PHR_ACR
from idp.authn.passkeys import POSSIBLY_CLONED
from tests.support.assertions import assert_oauth_error, verify_access_token, verify_id_token
from tests.support.flows import Browser, create_user
from tests.support.pages import is_login_page
from tests.support.relying_party import security_events, web_app
from tests.support.second_factor import authorization_request, to_client, tokens_for
from tests.support.webauthn import (
    UP,
    UV,
    SoftAuthenticator,
    b64url,
    continue_at,
    passkey_sign_in,
    post_assertion,
    sign_in_options,
    unb64url,
    with_passkey,
)


@pytest.fixture
def enrolled(idp, authenticator):
    """A user with one passkey (added on their account page), and the authenticator."""
    user = create_user(idp)
    with Browser(idp) as browser:
        with_passkey(browser, authenticator, user.username)
    return user, authenticator


def login_page(idp, browser, **params):
    app = web_app(idp, first_party=True)
    request, verifier = authorization_request(app.client, **params)
    page = browser.follow(browser.authorize(**request))
    assert is_login_page(page), page.text
    return app, page, verifier


def refused(response, status=403, error="access_denied", words=""):
    assert_oauth_error(response, error, status)
    assert words in response.json()["error_description"], response.text


def test_the_login_page_offers_a_passkey_with_conditional_ui__webauthn_l3_s5_1_4_1(idp, browser):
    _, page, _ = login_page(idp, browser)
    assert 'autocomplete="username webauthn"' in page.text
    assert "Sign in with a passkey" in page.text
    assert '<script src="/static/passkeys.js"></script>' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_passwordless_sign_in_gives_tokens_with_acr_phr_and_amr__rfc8176_s2(idp, browser, enrolled):
    user, authenticator = enrolled
    app, page, verifier = login_page(idp, browser)
    options = sign_in_options(browser, page)
    assert options["userVerification"] == "required"  # WebAuthn L3 §5.5
    assert options["rpId"] == "127.0.0.1"  # the issuer's host
    assert options.get("allowCredentials", []) == []  # discoverable: no username asked
    assert len(unb64url(options["challenge"])) >= 16  # §13.4.3
    answer = post_assertion(browser, page, authenticator.get(options))
    assert answer.headers["cache-control"].startswith("no-store")
    query = to_client(browser, continue_at(browser, answer))
    tokens = tokens_for(idp, app.client, query, verifier, app.secret)
    id_token = verify_id_token(idp, tokens["id_token"], app.client)
    access_token = verify_access_token(idp, tokens["access_token"])
    for token in (id_token, access_token):
        assert token["sub"] == user.id
        assert token["acr"] == PHR_ACR
        assert token["amr"] == ["hwk", "user", "mfa"]


def test_a_synced_passkey_is_a_software_key__rfc8176_s2_swk(idp, browser):
    user = create_user(idp)
    synced = SoftAuthenticator.for_issuer(idp.issuer, backup_eligible=True, counter_step=0)
    with Browser(idp) as setup:
        with_passkey(setup, synced, user.username)
    app, page, verifier = login_page(idp, browser)
    query = to_client(browser, continue_at(browser, passkey_sign_in(browser, page, synced)))
    tokens = tokens_for(idp, app.client, query, verifier, app.secret)
    claims = verify_id_token(idp, tokens["id_token"], app.client)
    assert (claims["acr"], claims["amr"]) == (PHR_ACR, ["swk", "user", "mfa"])


def test_an_authenticator_that_always_counts_zero_signs_in_again__webauthn_l3_s6_1_1(idp, browser):
    user = create_user(idp)
    zero = SoftAuthenticator.for_issuer(idp.issuer, counter_step=0)
    with Browser(idp) as setup:
        with_passkey(setup, zero, user.username)
    for _ in range(2):
        with Browser(idp) as fresh:
            _, page, _ = login_page(idp, fresh)
            assert passkey_sign_in(fresh, page, zero).status_code == 200


def test_a_sign_count_that_goes_back_is_refused_and_recorded__webauthn_l3_s6_1_1(
    idp, browser, enrolled
):
    user, authenticator = enrolled
    _, page, _ = login_page(idp, browser)
    assert passkey_sign_in(browser, page, authenticator, sign_count=7).status_code == 200
    with Browser(idp) as clone:
        _, page, _ = login_page(idp, clone)
        for count in (7, 3):  # the same count, then a lower one
            answer = passkey_sign_in(clone, page, authenticator, sign_count=count)
            refused(answer, words="may have been cloned")
    events = [e for e in security_events(idp, user.id) if e["event_type"] == POSSIBLY_CLONED]
    assert [(e["detail"]["stored_sign_count"], e["detail"]["sign_count"]) for e in events] == [
        (7, 7),
        (7, 3),
    ]
    with Browser(idp) as later:  # the stored count is untouched: a higher one passes
        _, page, _ = login_page(idp, later)
        assert passkey_sign_in(later, page, authenticator, sign_count=8).status_code == 200


def test_a_challenge_is_used_once__webauthn_l3_s13_4_3(idp, browser, enrolled):
    _, authenticator = enrolled
    _, page, _ = login_page(idp, browser)
    options = sign_in_options(browser, page)
    assertion = authenticator.get(options)
    cookies = dict(browser.http.cookies)  # the challenge's cookie, as an attacker copies it
    assert post_assertion(browser, page, assertion).status_code == 200
    with Browser(idp) as other:  # the same cookie and assertion, replayed elsewhere
        other.http.cookies.update(cookies)
        refused(post_assertion(other, page, assertion), 400, "invalid_request", "already used")


def test_without_the_options_cookie_there_is_no_ceremony(idp, browser, enrolled):
    _, authenticator = enrolled
    _, page, _ = login_page(idp, browser)
    assertion = authenticator.get(sign_in_options(browser, page))
    with Browser(idp) as other:  # another browser: the challenge is bound to the first
        answer = post_assertion(other, page, assertion)
    refused(answer, 400, "invalid_request", "no passkey request")


def test_a_challenge_expires(idp, browser, enrolled):
    _, authenticator = enrolled
    _, page, _ = login_page(idp, browser)
    assertion = authenticator.get(sign_in_options(browser, page))
    idp.clock.advance(301)
    try:
        refused(post_assertion(browser, page, assertion), 400, "invalid_request", "expired")
    finally:
        idp.clock.advance(-301)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"challenge": b64url(b"a challenge we never issued!")}, ""),  # §7.2 step 12
        ({"origin": "https://evil.example"}, ""),  # step 13
        ({"rp_id": "evil.example"}, ""),  # step 15
        ({"type_": "webauthn.create"}, ""),  # step 11
        ({"bad_signature": True}, ""),  # step 21
        ({"flags": UP}, ""),  # no UV: step 17, required without a password
        ({"flags": UV}, ""),  # no UP: step 16
        ({"user_handle": b"someone-else"}, "another account"),  # step 6
    ],
    ids=["challenge", "origin", "rp-id", "type", "signature", "no-uv", "no-up", "user-handle"],
)
def test_a_wrong_assertion_is_refused__webauthn_l3_s7_2(idp, browser, enrolled, change, words):
    _, authenticator = enrolled
    _, page, _ = login_page(idp, browser)
    answer = passkey_sign_in(browser, page, authenticator, **change)
    refused(answer, words=words)
    assert "session" not in " ".join(browser.http.cookies.keys())


def test_an_unknown_credential_is_refused__webauthn_l3_s7_2_step_6(idp, browser):
    stranger = SoftAuthenticator.for_issuer(idp.issuer)
    stranger.create({"user": {"id": b64url(b"nobody")}, "challenge": b64url(b"x" * 32)})
    _, page, _ = login_page(idp, browser)
    refused(passkey_sign_in(browser, page, stranger), words="not registered")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[]", "application/json"),
        (b'{"id": 5}', "application/json"),
        (b'{"id": "x", "id": "y"}', "application/json"),  # a repeated member
        (json.dumps({"id": "%%%", "rawId": "%%%", "type": "public-key"}).encode(), None),
        (b"id=abc", "application/x-www-form-urlencoded"),
    ],
    ids=["not-json", "array", "id-not-string", "repeated", "bad-base64url", "form"],
)
def test_malformed_input_is_400_json(idp, browser, enrolled, body, content_type):
    _, page, _ = login_page(idp, browser)
    sign_in_options(browser, page)
    sealed = page.text.split('action="/interaction/')[1].split("/")[0]
    answer = browser.http.post(
        f"/interaction/{sealed}/passkey",
        content=body,
        headers={"content-type": content_type or "application/json"},
    )
    assert answer.status_code in (400, 403), answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["error"] in ("invalid_request", "access_denied")


def test_malformed_fields_of_a_real_assertion_are_refused(idp, browser, enrolled):
    _, authenticator = enrolled
    _, page, _ = login_page(idp, browser)
    options = sign_in_options(browser, page)
    assertion = authenticator.get(options)
    assertion["response"]["authenticatorData"] = "!!not base64url!!"
    assertion["response"]["signature"] = base64.b64encode(b"\xff" * 70).decode()
    refused(post_assertion(browser, page, assertion))


def test_an_oversized_body_is_413(idp, browser):
    _, page, _ = login_page(idp, browser)
    sealed = page.text.split('action="/interaction/')[1].split("/")[0]
    answer = browser.http.post(
        f"/interaction/{sealed}/passkey", json={"id": "a" * 20000, "rawId": "a"}
    )
    assert_oauth_error(answer, "invalid_request", 413)


def test_a_disabled_account_cannot_sign_in_with_its_passkey(idp, browser):
    user = create_user(idp)
    authenticator = SoftAuthenticator.for_issuer(idp.issuer)
    with Browser(idp) as setup:
        with_passkey(setup, authenticator, user.username)
    with idp.provider.store() as store:
        store.set_user_disabled(user.id, True, idp.clock.now())
    _, page, _ = login_page(idp, browser)
    refused(passkey_sign_in(browser, page, authenticator), words="cannot sign in")


JUNK = [None, 5, 1.5, True, [], {}, "", "!!!", "A" * 3000, b64url(b"\xa1" * 40)]


def mutations(document, path=()):
    """Every (path, junk) replacement of one member of ``document``, nested ones too."""
    for name, value in document.items():
        for junk in JUNK:
            yield (*path, name), junk
        if isinstance(value, dict):
            yield from mutations(value, (*path, name))


def replaced(document, path, junk):
    copy = json.loads(json.dumps(document))
    target = copy
    for name in path[:-1]:
        target = target[name]
    target[path[-1]] = junk
    return copy


def test_no_mutation_of_an_assertion_is_a_server_error(idp, browser, enrolled):
    """Each member of a real assertion replaced by junk of every JSON type: always a
    4xx JSON answer (WebAuthn L3 §7.2 fails closed), never a sign-in or a 500."""
    _, authenticator = enrolled
    _, page, _ = login_page(idp, browser)
    assertion = authenticator.get(sign_in_options(browser, page))
    answers = set()
    for path, junk in mutations(assertion):
        if path[-1] in ("authenticatorAttachment", "clientExtensionResults"):
            continue  # not part of what is verified: any value may sign in
        sign_in_options(browser, page)  # a fresh challenge (each is used once)
        answer = post_assertion(browser, page, replaced(assertion, path, junk))
        assert 400 <= answer.status_code < 500, (path, junk, answer.text)
        answers.add(answer.json()["error"])
    assert answers <= {"invalid_request", "access_denied"}
