"""A single-page app on its own origin signs in to Tessera with the oidc-client-ts npm
package in headless Chromium: discovery, the code exchange at /token, the JWKS,
/userinfo, a refresh and revocation are all cross-origin fetches, which work only
because Tessera answers them with CORS headers for the app's origin (Fetch standard,
CORS protocol). With the client's web origin registered elsewhere, the browser keeps
the token response from the app.

The app is tests/browser/spa/ (its package-lock.json pins oidc-client-ts); `npm ci`
installs it when node_modules is missing."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request

from tests.support.cli_clients import create_client_with_cli
from tests.support.flows import PASSWORD, create_user, register
from tests.support.server import RunningIdp
from tests.support.static_site import StaticSite, static_site

pytestmark = pytest.mark.browser

SPA = Path(__file__).parent / "spa"
LIBRARY = "oidc-client-ts"
NPM_TIMEOUT = 300
SIGN_IN_TIMEOUT_MS = 30_000
SCOPE = "openid profile email offline_access"
ELSEWHERE = "https://elsewhere.example"


def pinned_version() -> str:
    version: str = json.loads((SPA / "package.json").read_text())["dependencies"][LIBRARY]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"pin {LIBRARY} to an exact version"
    return version


def installed_version() -> str | None:
    manifest = SPA / "node_modules" / LIBRARY / "package.json"
    if not manifest.exists():
        return None
    version: str = json.loads(manifest.read_text())["version"]
    return version


@pytest.fixture(scope="module")
def spa_directory() -> Path:
    """tests/browser/spa with its locked dependencies installed. Test workers that get
    here together take turns on a lock, so only one runs `npm ci`."""
    with (SPA / "package-lock.json").open() as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if installed_version() != pinned_version():
                npm_ci()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    assert installed_version() == pinned_version()
    return SPA


def npm_ci() -> None:
    npm = shutil.which("npm")
    if npm is None:
        reason = f"npm is missing: it installs {LIBRARY} for the SPA test (npm ci)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    result = subprocess.run(
        [npm, "ci", "--prefix", str(SPA), "--no-audit", "--no-fund"],
        capture_output=True,
        text=True,
        timeout=NPM_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"npm ci --prefix {SPA} failed:\n{result.stdout}{result.stderr}"


@pytest.fixture(scope="module")
def spa(spa_directory: Path) -> Iterator[StaticSite]:
    """The SPA on http://127.0.0.1:<another port>: another origin than the IdP's."""
    with static_site(spa_directory) as site:
        yield site


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context()
    context.set_default_timeout(SIGN_IN_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


class Console:
    """What the page printed to its console, errors included (CORS failures go there)."""

    def __init__(self, page: Page) -> None:
        self.messages: list[str] = []
        page.on("console", self._record)

    def _record(self, message: ConsoleMessage) -> None:
        self.messages.append(f"{message.type}: {message.text}")

    def __str__(self) -> str:
        return "\n".join(self.messages)


def spa_client(idp: RunningIdp, spa: StaticSite) -> str:
    """A public client whose only redirect URI is the SPA's callback page."""
    client, _ = register(
        idp,
        public=True,
        grant_types=["authorization_code", "refresh_token"],
        redirect_uris=[spa.url("callback.html")],
        scope=SCOPE,
    )
    return client.client_id


def spa_client_with_web_origin_elsewhere(idp: RunningIdp, spa: StaticSite, tmp_path: Path) -> str:
    """The same kind of client, registered with `idp clients create --web-origin` naming
    another origin than the SPA's."""
    created = create_client_with_cli(
        idp,
        tmp_path,
        "--name",
        "SPA",
        "--public",
        "--redirect-uri",
        spa.url("callback.html"),
        "--grant",
        "authorization_code",
        "--grant",
        "refresh_token",
        "--scope",
        SCOPE,
        "--web-origin",
        ELSEWHERE,
    )
    assert created["web_origins"] == [ELSEWHERE]
    client_id: str = created["client_id"]
    return client_id


def sign_in_through_the_spa(
    idp: RunningIdp, spa: StaticSite, page: Page, client_id: str, username: str
) -> dict[str, Any]:
    """Open the SPA, which sends the browser to the IdP; log in and allow there; wait
    for the SPA's callback page to finish. Returns its report."""
    query = urlencode({"authority": idp.base_url, "client_id": client_id})
    page.goto(spa.url(f"index.html?{query}"))
    page.wait_for_url(re.compile(rf"^{re.escape(idp.base_url)}/interaction/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(re.compile(rf"^{re.escape(spa.url('callback.html'))}\?"))
    page.locator("body[data-outcome]").wait_for(state="attached")
    report: dict[str, Any] = json.loads(page.locator("#report").text_content() or "{}")
    return report


def is_login_page_passkey_fetch(idp, request: Request) -> bool:
    url = request.url.partition("?")[0]
    return url.startswith(f"{idp.base_url}/interaction/") and url.endswith("/passkey/options")


def test_spa_signs_in_reads_userinfo_refreshes_and_revokes_cross_origin__fetch_cors(idp, spa, page):
    assert spa.origin != idp.base_url
    user = create_user(idp, name="Grace Hopper", email="grace@example.com")
    client_id = spa_client(idp, spa)
    console = Console(page)
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))

    report = sign_in_through_the_spa(idp, spa, page, client_id, user.username)

    assert report["outcome"] == "done", f"{report}\nconsole:\n{console}"
    # Every call the SPA made to the IdP was a cross-origin fetch from the SPA's origin.
    fetches = [
        (request.method, request.url.partition("?")[0], request.all_headers().get("origin"))
        for request in requests
        # The IdP's own login page asks for passkey options (same-origin): not the SPA.
        if request.resource_type == "fetch" and not is_login_page_passkey_fetch(idp, request)
    ]
    assert {(method, url) for method, url, _ in fetches} == {
        ("GET", f"{idp.base_url}/.well-known/openid-configuration"),
        ("POST", f"{idp.base_url}/token"),  # the code, then the refresh token
        ("GET", f"{idp.base_url}/jwks"),
        ("GET", f"{idp.base_url}/userinfo"),
        ("POST", f"{idp.base_url}/revoke"),  # the access token, then the refresh token
    }, fetches
    # (Discovery may come from the browser's cache the second time, without headers.)
    assert {origin for method, url, origin in fetches if "/.well-known/" not in url} == {
        spa.origin
    }, "\n".join(map(str, fetches))
    assert report["profile"]["sub"] == user.id
    assert report["profile"]["name"] == "Grace Hopper"
    assert report["profile"]["email"] == "grace@example.com"
    assert report["profile"]["iss"] == idp.base_url
    assert report["profile"]["aud"] == client_id
    assert report["scope"] == SCOPE
    assert report["has_refresh_token"] is True
    # The ID token's signature, checked in the page with a key from the JWKS.
    assert report["id_token_signature"]["valid"] is True, report["id_token_signature"]
    # fetch(/userinfo) with the access token as a Bearer (a preflighted request).
    assert report["userinfo"]["status"] == 200
    assert report["userinfo"]["claims"]["sub"] == user.id
    assert report["userinfo"]["claims"]["name"] == "Grace Hopper"
    assert report["userinfo"]["claims"]["email"] == "grace@example.com"
    # signinSilent() used the refresh token: new tokens for the same user.
    refresh = report["refresh"]
    assert refresh["new_access_token"] is True
    assert refresh["new_refresh_token"] is True
    assert refresh["sub"] == user.id
    assert jwt.decode(refresh["access_token"], options={"verify_signature": False})["sub"] == (
        user.id
    )
    # revokeTokens() succeeded, and Tessera really took both tokens back.
    assert report["revoked"] == {"refresh_token_kept": None}
    refused = httpx.post(
        f"{idp.base_url}/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh["refresh_token"],
            "client_id": client_id,
        },
        timeout=10,
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "invalid_grant"
    userinfo = httpx.get(
        f"{idp.base_url}/userinfo",
        headers={"Authorization": f"Bearer {refresh['access_token']}"},
        timeout=10,
    )
    assert userinfo.status_code == 401, userinfo.text
    assert not [message for message in console.messages if "CORS" in message], str(console)


def test_spa_cannot_read_the_token_response_when_its_origin_is_not_the_clients__fetch_cors(
    idp, spa, page, tmp_path
):
    user = create_user(idp)
    client_id = spa_client_with_web_origin_elsewhere(idp, spa, tmp_path)
    console = Console(page)

    report = sign_in_through_the_spa(idp, spa, page, client_id, user.username)

    # Discovery is public, so the library got as far as the code exchange; the browser
    # then kept the /token response from the SPA.
    assert report["outcome"] == "failed", report
    assert report["failed_step"] == "signinRedirectCallback", report
    assert report["error"] == "TypeError: Failed to fetch", report
    blocked = [message for message in console.messages if "blocked by CORS policy" in message]
    assert blocked, str(console)
    assert f"{idp.base_url}/token" in blocked[0]
    assert f"from origin '{spa.origin}'" in blocked[0]
    assert "No 'Access-Control-Allow-Origin' header" in blocked[0]
