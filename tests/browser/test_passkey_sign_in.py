"""Passkeys in a real headless Chromium with its CDP virtual authenticator (CTAP2, a
resident key, user verification): a user adds a passkey on /account/passkeys, then
signs in to a client with "Sign in with a passkey", no password (acr
urn:tessera:acr:phr). Screenshots are kept under the test's tmp_path.

The issuer is http://localhost:<port>: WebAuthn takes no IP address as an RP ID
(WebAuthn L3 §5.1.4.1: the RP ID must be a registrable domain suffix of the origin's
host), and localhost is a secure context over http."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import jwt
import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from idp.authn.methods import PHR_ACR
from idp.secret import new_token
from tests.browser.test_mfa_sign_in import screenshot
from tests.support.client_requests import redeem
from tests.support.databases import database_url
from tests.support.flows import PASSWORD, create_user, pkce_pair, query_of, register
from tests.support.server import RunningIdp, running_idp

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIdp]:
    directory = tmp_path_factory.mktemp("idp")
    with (
        database_url("sqlite", directory) as url,
        running_idp(url, directory, issuer_host="localhost") as server,
    ):
        yield server


@pytest.fixture(scope="module")
def client(idp):
    # The client's redirect URI is a path nobody serves on the IdP's own host: the
    # browser lands there (a 404) with the code in the URL.
    client, _ = register(idp, public=True, first_party=True, redirect_uris=[callback(idp)])
    return client


def callback(idp) -> str:
    return f"{idp.issuer}/test-client-callback"


def with_virtual_authenticator(context: BrowserContext) -> Page:
    """A page whose tab has a platform authenticator that verifies its user (CDP
    WebAuthn domain), kept across the tab's navigations."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    page.credentials_of = lambda: cdp.send(  # type: ignore[attr-defined]
        "WebAuthn.getCredentials", {"authenticatorId": added["authenticatorId"]}
    )["credentials"]
    return page


def test_add_a_passkey_then_sign_in_with_it_without_a_password(
    idp, chromium: Browser, client, tmp_path
):
    user = create_user(idp)
    context = chromium.new_context()
    try:
        page = with_virtual_authenticator(context)
        # The account page: sign in with the password, add a passkey named "This laptop".
        page.goto(f"{idp.issuer}/account/passkeys")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(f"{idp.issuer}/account/passkeys")
        assert page.get_by_text("You have no passkey yet.").is_visible()
        page.get_by_label("Name of the new passkey").fill("This laptop")
        screenshot(page, tmp_path / "passkeys-empty.png")
        page.get_by_role("button", name="Add a passkey").click()
        page.wait_for_selector("#passkeys .passkey-name")
        assert page.locator("#passkeys .passkey-name").all_inner_texts() == ["This laptop"]
        screenshot(page, tmp_path / "passkeys-added.png")
        [credential] = page.credentials_of()  # type: ignore[attr-defined]
        assert credential["isResidentCredential"] is True  # discoverable
        with idp.provider.store() as store:
            [stored] = store.list_passkeys(user.id)
        assert stored.name == "This laptop"

        # Signed out (no cookies), a client's sign-in. Chromium has conditional
        # mediation: the passkey is offered in the username field's autofill, which the
        # virtual authenticator accepts at once.
        first = sign_in_page(idp, page, client)
        signed_in_with_passkey(idp, page, client, user, first)
        screenshot(page, tmp_path / "passkey-conditional-signed-in.png")

        # A browser without conditional mediation: the "Sign in with a passkey" button.
        page.add_init_script(
            "Object.defineProperty(PublicKeyCredential, 'isConditionalMediationAvailable',"
            " {value: undefined});"
        )
        verifier = sign_in_page(idp, page, client)
        username = page.get_by_label("Username")
        assert username.get_attribute("autocomplete") == "username webauthn"
        button = page.get_by_role("button", name="Sign in with a passkey")
        button.wait_for()
        screenshot(page, tmp_path / "passkey-sign-in.png")
        button.click()
        signed_in_with_passkey(idp, page, client, user, verifier)
        [after] = page.credentials_of()  # type: ignore[attr-defined]
        assert after["signCount"] > credential["signCount"]
    finally:
        context.close()


def sign_in_page(idp, page: Page, client) -> str:
    """No cookies, then a client's authorization request; the PKCE verifier."""
    page.context.clear_cookies()
    verifier, challenge = pkce_pair()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": callback(idp),
            "scope": "openid profile",
            "state": new_token(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    page.goto(f"{idp.issuer}/authorize?{query}")
    return verifier


def signed_in_with_passkey(idp, page: Page, client, user, verifier: str) -> None:
    page.wait_for_url(f"{callback(idp)}?**")
    tokens = redeem(idp, client, query_of(page.url)["code"], verifier)
    assert tokens.status_code == 200, tokens.text
    claims = jwt.decode(tokens.json()["id_token"], options={"verify_signature": False})
    assert claims["sub"] == user.id
    assert claims["acr"] == PHR_ACR
    assert claims["amr"] == ["hwk", "user", "mfa"]
