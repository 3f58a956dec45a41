"""The acceptance test: `idp serve --demo`, then a stock OAuth client library (authlib)
signs the demo user in with PKCE, and PyJWT verifies the ID token against /jwks."""

from __future__ import annotations

import re
import warnings
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import jwt
from authlib.deprecate import AuthlibDeprecationWarning

from idp.secret import new_token
from tests.cli.processes import served_idp

with warnings.catch_warnings():
    # authlib >= 1.7 prefers the httpx2 package and warns, once, at import when it falls
    # back to httpx (what Tessera depends on); the client behaves the same.
    warnings.filterwarnings(
        "ignore", message="The httpx module is deprecated", category=AuthlibDeprecationWarning
    )
    from authlib.integrations.httpx_client import OAuth2Client

DEMO_REDIRECT_URI = "http://127.0.0.1:9000/callback"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


def demo_credentials(lines: list[str]) -> dict[str, str]:
    """What `idp serve --demo` printed: `  user:  demo`, `  client_id:  ID (public, PKCE)`…"""
    fields = {}
    for line in lines:
        match = re.fullmatch(r"\s+(user|password|client_id|redirect_uri):\s+(\S+).*", line)
        if match:
            fields[match.group(1)] = match.group(2)
    assert set(fields) == {"user", "password", "client_id", "redirect_uri"}, lines
    return fields


def submit(browser: httpx.Client, page: httpx.Response, **fields: str) -> httpx.Response:
    """Post the page's form with its CSRF token, like a browser pressing a button."""
    action = FORM_ACTION.search(page.text)
    token = CSRF_FIELD.search(page.text)
    assert action, page.text
    assert token, page.text
    return browser.post(
        urljoin(str(page.url), action.group(1)),
        data={"csrf_token": token.group(1), **fields},
    )


def follow_on_idp(browser: httpx.Client, response: httpx.Response, issuer: str) -> httpx.Response:
    """Follow redirects that stay on the IdP; stop at a page or a redirect elsewhere."""
    for _ in range(10):
        if not response.is_redirect:
            return response
        target = urljoin(str(response.url), response.headers["location"])
        if not target.startswith(issuer + "/"):
            return response
        response = browser.get(target)
    raise AssertionError("redirect loop on the IdP")


def test_authlib_client_signs_in_the_demo_user_with_pkce_and_reads_userinfo(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the issuer is http on loopback
    with served_idp(tmp_path, "--demo") as server:
        demo = demo_credentials(server.wait_for_stdout_line("Open this URL"))
        assert demo["user"] == "demo"
        assert demo["redirect_uri"] == DEMO_REDIRECT_URI
        issuer = server.base_url

        with (
            httpx.Client(timeout=10) as browser,
            OAuth2Client(
                client_id=demo["client_id"],
                token_endpoint_auth_method="none",
                redirect_uri=DEMO_REDIRECT_URI,
                scope="openid profile email",
                code_challenge_method="S256",
                timeout=10,
            ) as client,
        ):
            # A relying party reads discovery before it has a token: a plain GET.
            discovery = browser.get(f"{issuer}/.well-known/openid-configuration")
            assert discovery.status_code == 200, discovery.text
            metadata = discovery.json()
            assert metadata["issuer"] == issuer
            assert "S256" in metadata["code_challenge_methods_supported"]

            verifier, nonce = new_token(48), new_token(16)
            url, state = client.create_authorization_url(
                metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
            )
            query = parse_qs(urlsplit(url).query)
            assert query["code_challenge_method"] == ["S256"]
            assert query["code_challenge"][0] != verifier

            login = follow_on_idp(browser, browser.get(url), issuer)
            assert login.status_code == 200, login.text
            assert 'name="password"' in login.text
            consent = follow_on_idp(
                browser,
                submit(browser, login, username=demo["user"], password=demo["password"]),
                issuer,
            )
            assert consent.status_code == 200, consent.text
            assert "Allow access?" in consent.text
            redirect = follow_on_idp(browser, submit(browser, consent, decision="allow"), issuer)
            assert redirect.is_redirect, redirect.text
            location = redirect.headers["location"]
            assert location.startswith(DEMO_REDIRECT_URI + "?"), location
            returned = parse_qs(urlsplit(location).query)
            assert returned["state"] == [state]
            assert returned["iss"] == [issuer]  # RFC 9207

            token = client.fetch_token(
                metadata["token_endpoint"],
                authorization_response=location,
                code_verifier=verifier,
            )
            assert token["token_type"].lower() == "bearer"
            signing_key = jwt.PyJWKClient(metadata["jwks_uri"]).get_signing_key_from_jwt(
                token["id_token"]
            )
            id_token = jwt.decode(
                token["id_token"],
                signing_key.key,
                algorithms=["RS256", "ES256"],
                audience=demo["client_id"],
                issuer=issuer,
            )
            assert id_token["nonce"] == nonce

            userinfo = client.get(metadata["userinfo_endpoint"])
            assert userinfo.status_code == 200, userinfo.text
            claims = userinfo.json()
            assert claims["sub"] == id_token["sub"]
            assert claims["email"] == "demo@example.com"


def test_restarted_server_on_the_same_database_publishes_the_same_signing_keys(tmp_path):
    kids = []
    for _ in range(2):
        with served_idp(tmp_path) as server, httpx.Client(timeout=5) as http:
            response = http.get(f"{server.base_url}/jwks")
            assert response.status_code == 200, response.text
            kids.append(sorted(key["kid"] for key in response.json()["keys"]))
    assert len(kids[0]) == 2
    assert kids[1] == kids[0]
