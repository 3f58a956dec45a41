"""RFC 8252 §7.3: a native app listens on a loopback IP literal at whatever port the
operating system gives it, so the server MUST allow any port in the redirect URI of a
client registered with a loopback one; only the port may vary, the rest still matches
exactly (RFC 9700 §4.1.3). §8.3: ``localhost`` is a name, not a loopback IP literal, so
its port does not vary. A refused redirect URI gets an error page, never a redirect
(RFC 6749 §4.1.2.1)."""

from __future__ import annotations

import httpx
import pytest

from idp.authn.users import User
from idp.oauth.clients import Client
from tests.spec.input_bounds.inputs import assert_error_page
from tests.support.client_requests import redeem
from tests.support.flows import PASSWORD, Browser, create_user, pkce_pair, query_of
from tests.support.flows import register as register_client
from tests.support.pages import consent_form, login_form
from tests.support.server import RunningIdp

IPV4 = "http://127.0.0.1/cb"
IPV6 = "http://[::1]/cb"
PORT = 49152


@pytest.fixture(scope="module")
def apps(idp: RunningIdp) -> dict[str, Client]:
    """Public native apps, each registered with one redirect URI."""
    return {
        uri: register_client(idp, public=True, redirect_uris=[uri])[0]
        for uri in (IPV4, IPV6, "http://127.0.0.1:8080/cb", "http://localhost/cb")
    }


@pytest.fixture(scope="module")
def user(idp: RunningIdp) -> User:
    return create_user(idp)


def authorization_request(client: Client, redirect_uri: str, challenge: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid",
        "state": "xyz",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }


def sign_in_at(idp: RunningIdp, client: Client, user: User, redirect_uri: str) -> tuple[str, str]:
    """Authorize, log in, consent: the Location of the redirect to the client, and the
    PKCE verifier."""
    verifier, challenge = pkce_pair()
    with Browser(idp) as browser:
        page = browser.follow(
            browser.authorize(**authorization_request(client, redirect_uri, challenge))
        )
        if login_form(page):
            page = browser.follow(browser.submit_login(page, user.username, PASSWORD))
        if consent_form(page):
            page = browser.follow(browser.submit_consent(page))
    assert page.status_code == 302, page.text
    return page.headers["location"], verifier


@pytest.mark.parametrize(
    ("registered", "requested"),
    [
        (IPV4, f"http://127.0.0.1:{PORT}/cb"),
        (IPV4, "http://127.0.0.1:65535/cb"),
        (IPV4, IPV4),
        (IPV6, f"http://[::1]:{PORT}/cb"),
        (IPV6, IPV6),
        ("http://127.0.0.1:8080/cb", f"http://127.0.0.1:{PORT}/cb"),
        ("http://127.0.0.1:8080/cb", "http://127.0.0.1/cb"),
    ],
)
def test_any_port_of_the_registered_loopback_uri_gets_the_code__rfc8252_s7_3(
    idp, apps, user, registered, requested
):
    client = apps[registered]
    location, verifier = sign_in_at(idp, client, user, requested)
    # Exactly the URI the request named, port included; then the response parameters.
    assert location.startswith(f"{requested}?"), location
    query = query_of(location)
    assert set(query) == {"code", "state", "iss"}, query
    response = redeem(idp, client, query["code"], verifier, redirect_uri=requested)
    assert response.status_code == 200, response.text


def test_the_code_redeems_only_with_the_uri_it_was_sent_to__rfc6749_s4_1_3(idp, apps, user):
    client = apps[IPV4]
    requested = f"http://127.0.0.1:{PORT}/cb"
    location, verifier = sign_in_at(idp, client, user, requested)
    code = query_of(location)["code"]
    for other in (IPV4, f"http://127.0.0.1:{PORT + 1}/cb"):
        response = redeem(idp, client, code, verifier, redirect_uri=other)
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_grant"
    assert redeem(idp, client, code, verifier, redirect_uri=requested).status_code == 200


@pytest.mark.parametrize(
    ("registered", "requested"),
    [
        (IPV4, f"http://127.0.0.1:{PORT}/other"),
        (IPV4, f"http://127.0.0.1:{PORT}/cb/"),
        (IPV4, f"http://127.0.0.1:{PORT}/CB"),
        (IPV4, f"http://127.0.0.1:{PORT}/cb?x=1"),
        (IPV4, f"http://127.0.0.1:{PORT}/cb#x"),
        (IPV4, f"https://127.0.0.1:{PORT}/cb"),
        (IPV4, f"http://localhost:{PORT}/cb"),  # §8.3: a name, not an IP literal
        (IPV4, f"http://127.0.0.2:{PORT}/cb"),
        (IPV4, "http://127.0.0.2/cb"),
        (IPV4, f"http://127.1:{PORT}/cb"),
        (IPV4, f"http://2130706433:{PORT}/cb"),
        (IPV4, f"http://[::ffff:127.0.0.1]:{PORT}/cb"),
        (IPV4, f"http://user@127.0.0.1:{PORT}/cb"),
        (IPV4, f"http://[::1]:{PORT}/cb"),
        (IPV4, f"http://127.0.0.1:{PORT}:{PORT}/cb"),
        (IPV4, "http://127.0.0.1:notaport/cb"),
        (IPV6, f"http://127.0.0.1:{PORT}/cb"),
        (IPV6, f"http://[::1]:{PORT}/other"),
        ("http://localhost/cb", f"http://localhost:{PORT}/cb"),
    ],
)
def test_anything_but_the_port_differing_gets_an_error_page__rfc8252_s7_3(
    idp, apps, registered, requested
):
    response = httpx.get(
        f"{idp.base_url}/authorize",
        params=authorization_request(apps[registered], requested, pkce_pair()[1]),
        timeout=10,
    )
    assert_error_page(response, 400)


@pytest.mark.parametrize(
    ("registered", "requested"),
    [
        (IPV4, f"HTTP://127.0.0.1:{PORT}/cb"),
        (IPV6, f"http://[0:0:0:0:0:0:0:1]:{PORT}/cb"),
        (IPV6, f"http://[0::1]:{PORT}/cb"),
    ],
)
def test_the_uri_is_matched_as_spelled_not_as_parsed__rfc9700_s4_1_3(
    idp, apps, registered, requested
):
    """Exact string matching except for the port: another spelling of the same scheme or
    address is another string."""
    response = httpx.get(
        f"{idp.base_url}/authorize",
        params=authorization_request(apps[registered], requested, pkce_pair()[1]),
        timeout=10,
    )
    assert_error_page(response, 400)


def test_a_web_redirect_uri_gains_no_port_freedom__rfc9700_s4_1_3(idp):
    client = register_client(idp, public=True, redirect_uris=["https://app.example/cb"])[0]
    response = httpx.get(
        f"{idp.base_url}/authorize",
        params=authorization_request(client, f"https://app.example:{PORT}/cb", pkce_pair()[1]),
        timeout=10,
    )
    assert_error_page(response, 400)
