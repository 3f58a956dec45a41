"""examples/web_app.py in a real headless Chromium: sign in through Tessera's pages,
see who you are; then the SSO session ends at Tessera, which sends the example a
back-channel logout (Back-Channel Logout 1.0 §2.5), and the example's page, reloaded,
shows the browser signed out although it still holds the session cookie."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.support.databases import database_url
from tests.support.flows import PASSWORD, create_user
from tests.support.relying_party import web_app
from tests.support.server import RunningIdp, free_port, running_idp

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "web_app.py"
HOST = "127.0.0.2"


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIdp]:
    """Allowed to send back-channel logout tokens to loopback (IDP_OUTBOUND_ALLOW_PRIVATE),
    as ``idp serve --demo`` allows it for the example's registered URI."""
    directory = tmp_path_factory.mktemp("idp")
    with (
        database_url("sqlite", directory) as url,
        running_idp(url, directory, outbound_allow_private=True) as server,
    ):
        yield server


@pytest.fixture
def example(idp: RunningIdp) -> Iterator[str]:
    """The example as its own process on a free port, with a client registered for it;
    on another loopback address than Tessera's, whose logout clears the cookies of its
    own host (Clear-Site-Data), so that only the back-channel can sign the example out."""
    port = free_port(HOST)
    origin = f"http://{HOST}:{port}"
    app = web_app(
        idp,
        redirect_uris=[f"{origin}/callback"],
        post_logout_redirect_uris=[f"{origin}/"],
        backchannel_logout_uri=f"{origin}/backchannel-logout",
    )
    command = [sys.executable, str(EXAMPLE), "--issuer", idp.base_url, "--host", HOST]
    command += ["--port", str(port)]
    process = subprocess.Popen(
        [*command, "--client-id", app.client_id],
        env={**os.environ, "WEB_APP_CLIENT_SECRET": app.secret},
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_until_serving(origin, process)
        yield origin
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_until_serving(origin: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while True:
        assert process.poll() is None, "the example stopped"
        try:
            httpx.get(f"{origin}/", timeout=1)
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the example did not start"
            time.sleep(0.1)


def heading(page: Page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def test_a_backchannel_logout_ends_the_example_apps_session(idp, example, chromium: Browser):
    user = create_user(idp, name="Grace Hopper")
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(f"{example}/")
        assert heading(page) == "Signed out"
        page.get_by_role("link", name="Sign in with Tessera").click()
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.get_by_role("button", name="Allow").click()
        page.wait_for_url(f"{example}/")
        assert heading(page) == "Signed in as Grace Hopper"

        # The SSO session ends at Tessera itself (its end-session page, confirmed).
        page.goto(f"{idp.base_url}/logout")
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_load_state()

        deadline = time.monotonic() + 15
        page.goto(f"{example}/")
        while heading(page) != "Signed out":
            assert time.monotonic() < deadline, "the back-channel logout did not end it"
            time.sleep(0.2)
            page.reload()
        assert [c for c in context.cookies(example) if c["name"] == "tessera_session"]
    finally:
        context.close()
