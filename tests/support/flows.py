"""Walk the OAuth flows over HTTP the way a browser would; what the client then sends
is tests/support/client_requests.py."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from idp.admin.clients import ClientRegistration, register_client
from idp.authn.passwords import hash_password
from idp.authn.users import User
from idp.oauth.clients import Client
from idp.secret import new_token
from tests.support.server import RunningIdp

PASSWORD = "correct horse battery staple"
REDIRECT_URI = "https://app.example/cb"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def create_user(idp: RunningIdp, **claims: Any) -> User:
    username = claims.pop("username", f"user-{uuid.uuid4().hex[:8]}")
    with idp.provider.store() as store:
        return store.create_user(
            User(
                id="",
                username=username,
                email=claims.pop("email", f"{username}@example.com"),
                email_verified=claims.pop("email_verified", True),
                name=claims.pop("name", "Ada Lovelace"),
                given_name=claims.pop("given_name", "Ada"),
                family_name=claims.pop("family_name", "Lovelace"),
                password_hash=hash_password(claims.pop("password", PASSWORD)),
                **claims,
            ),
            idp.clock.now(),
        )


def register(idp: RunningIdp, **options: Any) -> tuple[Client, str | None]:
    registration = ClientRegistration(
        name=options.pop("name", "Test App"),
        redirect_uris=options.pop("redirect_uris", [REDIRECT_URI]),
        **options,
    )
    with idp.provider.store() as store:
        client, secret = register_client(store, registration, idp.clock.now())
    return client, secret.reveal() if secret else None


def pkce_pair() -> tuple[str, str]:
    verifier = new_token(32)
    return verifier, create_s256_code_challenge(verifier)


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def csrf_token(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


@dataclass
class Browser:
    """A cookie-keeping HTTP client that stops at redirects to the client."""

    idp: RunningIdp
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.idp.base_url, follow_redirects=False, timeout=10)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.http.close()

    def authorize(self, **params: str) -> httpx.Response:
        return self.http.get("/authorize", params=params)

    def follow(self, response: httpx.Response) -> httpx.Response:
        """Follow redirects that stay on the IdP; return the page or the client redirect."""
        while response.is_redirect:
            location = response.headers["location"]
            if location.startswith("/") or location.startswith(self.idp.base_url):
                response = self.http.get(location)
            else:
                return response
        return response

    def submit_login(self, page: httpx.Response, username: str, password: str) -> httpx.Response:
        action = re.search(r'action="([^"]+/login)"', page.text)
        assert action, "not a login page"
        return self.http.post(
            action.group(1),
            data={"csrf_token": csrf_token(page.text), "username": username, "password": password},
        )

    def submit_consent(self, page: httpx.Response, decision: str = "allow") -> httpx.Response:
        action = re.search(r'action="([^"]+/consent)"', page.text)
        assert action, "not a consent page"
        return self.http.post(
            action.group(1), data={"csrf_token": csrf_token(page.text), "decision": decision}
        )

    def sign_in(
        self, client: Client, user: User, *, password: str = PASSWORD, **params: str
    ) -> dict[str, str]:
        """authorize -> login -> (consent) -> the query of the redirect to the client."""
        request = {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": client.redirect_uris[0],
            "scope": "openid profile email",
            "state": new_token(8),
            **params,
        }
        page = self.follow(self.authorize(**request))
        if 'action="' in page.text and "/login" in page.text:
            page = self.follow(self.submit_login(page, user.username, password))
        if "/consent" in page.text:
            page = self.follow(self.submit_consent(page))
        assert page.is_redirect, page.text
        location = page.headers["location"]
        assert location.startswith(request["redirect_uri"]), location
        return query_of(location)


@dataclass
class LoopbackBrowser(Browser):
    """A browser on an address of its own in 127.0.0.0/8 (any of them reaches the server
    on 127.0.0.1): the server throttles failures per caller address, so one test's
    guesses never block another's."""

    address: str = field(default_factory=lambda: fresh_loopback_address())

    def __post_init__(self) -> None:
        self.http = httpx.Client(
            base_url=self.idp.base_url,
            follow_redirects=False,
            timeout=10,
            transport=httpx.HTTPTransport(local_address=self.address),
        )


def fresh_loopback_address() -> str:
    return "127." + ".".join(str(byte % 254 + 1) for byte in secrets.token_bytes(3))


def code_flow(
    idp: RunningIdp, client: Client, user: User, *, browser: Browser | None = None, **params: str
) -> tuple[dict[str, str], str]:
    """Sign in with PKCE; returns the client redirect's query and the code verifier."""
    verifier, challenge = pkce_pair()
    pkce = {"code_challenge": challenge, "code_challenge_method": "S256", **params}
    if browser is not None:
        return browser.sign_in(client, user, **pkce), verifier
    with Browser(idp) as fresh:
        return fresh.sign_in(client, user, **pkce), verifier
