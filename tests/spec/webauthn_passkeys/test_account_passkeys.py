"""/account/passkeys: several named passkeys per user, added by the registration
ceremony (WebAuthn L3 §7.1), renamed, removed; adding and removing need a recent
sign-in (NIST SP 800-63B §4.2.3). Every wrong registration is a 4xx JSON error."""

from __future__ import annotations

import re

import pytest

from idp.account.interaction import RECENT_SIGN_IN
from idp.account.passkeys import PASSKEY_ADDED, PASSKEY_REMOVED
from tests.spec.webauthn_passkeys.test_sign_in import mutations, refused, replaced
from tests.support.flows import Browser, create_user, csrf_token
from tests.support.pages import is_login_page
from tests.support.relying_party import security_event_types
from tests.support.webauthn import (
    UP,
    SoftAuthenticator,
    account_sign_in,
    add_passkey,
    b64url,
    registration_options,
    with_passkey,
)

CREDENTIAL_FIELD = re.compile(r'name="credential_id" value="([^"]+)"')


def passkeys_of(idp, user):
    with idp.provider.store() as store:
        return store.list_passkeys(user.id)


def page_of(browser):
    page = browser.http.get("/account/passkeys")
    assert page.status_code == 200, page.text
    return page


def test_the_page_asks_to_sign_in_first(idp, browser):
    page = browser.follow(browser.http.get("/account/passkeys"))
    assert is_login_page(page)
    assert "your Tessera account" in page.text


def test_add_two_named_passkeys_and_list_them__webauthn_l3_s7_1(idp, browser, user):
    page = account_sign_in(browser, user.username)
    assert "You have no passkey yet." in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    laptop = SoftAuthenticator.for_issuer(idp.issuer)
    key = SoftAuthenticator.for_issuer(idp.issuer, aaguid=bytes(range(16)))
    options = registration_options(browser).json()["publicKey"]
    assert options["rp"] == {"id": "127.0.0.1", "name": "Tessera"}
    assert options["authenticatorSelection"]["residentKey"] == "required"  # discoverable
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["attestation"] == "none"
    assert add_passkey(browser, laptop, "Laptop").status_code == 201
    idp.clock.advance(1)  # listed oldest first
    added = add_passkey(browser, key, "Security key", fmt="packed")
    assert added.status_code == 201, added.text
    stored = passkeys_of(idp, user)
    assert [p.name for p in stored] == ["Laptop", "Security key"]
    assert stored[1].aaguid == "00010203-0405-0607-0809-0a0b0c0d0e0f"
    assert stored[0].aaguid is None
    assert stored[0].transports == ("internal", "hybrid")
    assert [p.credential_id for p in stored] == [*laptop.credentials, *key.credentials]
    listed = page_of(browser)
    assert "Laptop" in listed.text
    assert "Security key" in listed.text
    assert security_event_types(idp, user.id).count(PASSKEY_ADDED) == 2
    # §5.4.3: the user's credentials are excluded from the next registration
    excluded = registration_options(browser).json()["publicKey"]["excludeCredentials"]
    assert sorted(c["id"] for c in excluded) == sorted(p.credential_id for p in stored)


def test_rename_and_remove(idp, browser, user, authenticator):
    with_passkey(browser, authenticator, user.username, "Old name")
    page = page_of(browser)
    [credential_id] = CREDENTIAL_FIELD.findall(page.text)[:1]
    renamed = browser.http.post(
        "/account/passkeys/rename",
        data={
            "csrf_token": csrf_token(page.text),
            "credential_id": credential_id,
            "name": " Phone  ",
        },
    )
    assert renamed.status_code == 303
    assert [p.name for p in passkeys_of(idp, user)] == ["Phone"]
    removed = browser.http.post(
        "/account/passkeys/remove",
        data={"csrf_token": csrf_token(page.text), "credential_id": credential_id},
    )
    assert removed.status_code == 303
    assert removed.headers["location"] == "/account/passkeys"
    assert passkeys_of(idp, user) == []
    assert PASSKEY_REMOVED in security_event_types(idp, user.id)


def test_forms_need_their_csrf_token(idp, browser, user, authenticator):
    with_passkey(browser, authenticator, user.username)
    [credential_id] = CREDENTIAL_FIELD.findall(page_of(browser).text)[:1]
    for action in ("rename", "remove"):
        answer = browser.http.post(
            f"/account/passkeys/{action}", data={"credential_id": credential_id, "name": "x"}
        )
        assert answer.status_code == 403
    assert len(passkeys_of(idp, user)) == 1


def test_someone_elses_passkey_cannot_be_renamed_or_removed(idp, browser, user, authenticator):
    other = create_user(idp)
    with Browser(idp) as theirs:
        with_passkey(theirs, SoftAuthenticator.for_issuer(idp.issuer), other.username)
    [their_credential] = passkeys_of(idp, other)
    with_passkey(browser, authenticator, user.username)
    page = page_of(browser)
    for action in ("rename", "remove"):
        answer = browser.http.post(
            f"/account/passkeys/{action}",
            data={
                "csrf_token": csrf_token(page.text),
                "credential_id": their_credential.credential_id,
                "name": "mine now",
            },
        )
        assert answer.status_code == 400
    assert passkeys_of(idp, other) == [their_credential]


def test_adding_or_removing_needs_a_recent_sign_in__nist_800_63b_s4_2_3(
    idp, browser, user, authenticator
):
    with_passkey(browser, authenticator, user.username)
    idp.clock.advance(RECENT_SIGN_IN + 1)
    try:
        page = page_of(browser)
        assert "sign in again" in page.text
        assert 'id="passkey-start"' not in page.text
        refused(registration_options(browser), words="sign in again")
        [credential_id] = CREDENTIAL_FIELD.findall(page.text)[:1]
        removal = browser.http.post(
            "/account/passkeys/remove",
            data={"csrf_token": csrf_token(page.text), "credential_id": credential_id},
        )
        assert removal.status_code == 303
        login = browser.follow(removal)  # a fresh sign-in first: max_age
        assert is_login_page(login)
        assert len(passkeys_of(idp, user)) == 1
        confirm = browser.follow(browser.http.get("/account/passkeys/confirm"))
        assert is_login_page(confirm)
    finally:
        idp.clock.advance(-(RECENT_SIGN_IN + 1))


def test_not_signed_in_the_api_is_401(idp, browser, authenticator):
    refused(registration_options(browser), 401)
    answer = browser.http.post("/account/passkeys", json={"name": "x", "credential": {}})
    refused(answer, 401)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"challenge": b64url(b"a challenge we never issued!")}, "could not be verified"),
        ({"origin": "https://evil.example"}, "could not be verified"),
        ({"rp_id": "evil.example"}, "could not be verified"),
        ({"type_": "webauthn.get"}, "could not be verified"),
        ({"flags": UP}, "could not be verified"),  # no UV: required (passwordless)
    ],
    ids=["challenge", "origin", "rp-id", "type", "no-uv"],
)
def test_a_wrong_registration_is_refused__webauthn_l3_s7_1(
    idp, browser, user, authenticator, change, words
):
    account_sign_in(browser, user.username)
    refused(add_passkey(browser, authenticator, **change), words=words)
    assert passkeys_of(idp, user) == []


def test_a_registration_challenge_is_used_once_and_a_credential_registered_once(
    idp, browser, user, authenticator
):
    account_sign_in(browser, user.username)
    options = registration_options(browser).json()["publicKey"]
    credential = authenticator.create(options)
    cookies = dict(browser.http.cookies)
    body = {"name": "Laptop", "credential": credential}
    assert browser.http.post("/account/passkeys", json=body).status_code == 201
    with Browser(idp) as replay:  # the session and challenge cookies, copied
        replay.http.cookies.update(cookies)
        answer = replay.http.post("/account/passkeys", json=body)
        refused(answer, 400, "invalid_request", "already used")
    again = authenticator.create(
        registration_options(browser).json()["publicKey"], same_as=credential["id"]
    )  # a new challenge, the same credential id: WebAuthn L3 §7.1 step 26
    answer = browser.http.post("/account/passkeys", json={"name": "Again", "credential": again})
    refused(answer, words="registered already")
    assert len(passkeys_of(idp, user)) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x"},
        {"name": "", "credential": {}},
        {"name": "x" * 65, "credential": {}},
        {"name": "x", "credential": "not an object"},
        {"name": 5, "credential": {}},
    ],
    ids=["no-credential", "empty-name", "long-name", "credential-not-object", "name-not-string"],
)
def test_a_malformed_registration_is_400(idp, browser, user, body):
    account_sign_in(browser, user.username)
    registration_options(browser)
    answer = browser.http.post("/account/passkeys", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_request"


def test_no_mutation_of_a_registration_is_a_server_error(idp, browser, user, authenticator):
    """Each member of a real registration replaced by junk: a 4xx JSON answer, no passkey
    stored, never a 500 (WebAuthn L3 §7.1 fails closed)."""
    account_sign_in(browser, user.username)
    credential = authenticator.create(registration_options(browser).json()["publicKey"])
    for path, junk in mutations(credential):
        if path[-1] in ("authenticatorAttachment", "clientExtensionResults", "transports"):
            continue  # not part of what is verified
        registration_options(browser)
        body = {"name": "Junk", "credential": replaced(credential, path, junk)}
        answer = browser.http.post("/account/passkeys", json=body)
        assert 400 <= answer.status_code < 500, (path, junk, answer.text)
    assert passkeys_of(idp, user) == []
