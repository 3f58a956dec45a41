"""The Starlette binding of the web-app login helper (idp.rp.starlette), served on a
loopback port against a real Tessera that sends it back-channel logout tokens."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from idp.rp.aio import AsyncProvider
from idp.rp.starlette import StarletteLogin
from idp.rp.web_login import LoggedOut
from tests.rp.web_apps import (
    FORM,
    app_client,
    end_sso_session,
    form,
    registered_app,
    settings_of,
    through_idp,
)
from tests.support.asgi_server import serving
from tests.support.flows import Browser, create_user
from tests.support.server import RunningIdp, free_port


@dataclass
class ServedApp:
    origin: str
    login: StarletteLogin
    logged_out: list[LoggedOut] = field(default_factory=list)


@pytest.fixture(scope="module")
def served(idp: RunningIdp) -> Iterator[ServedApp]:
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    client = registered_app(idp, origin)
    told: list[LoggedOut] = []

    async def on_logout(logged_out: LoggedOut) -> None:
        told.append(logged_out)

    settings = settings_of(client.client_id, origin, client.secret)
    provider = AsyncProvider(idp.base_url)
    login = StarletteLogin(provider, settings, on_logout=on_logout)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with provider:
            yield

    async def home(request: Request) -> PlainTextResponse:
        session = login.session(request)
        if session is None:
            return PlainTextResponse("signed out", 401)
        return PlainTextResponse(f"signed in as {session.claims['name']}")

    app = Starlette(routes=[Route("/", home), *login.routes], lifespan=lifespan)
    with serving(app, port):
        yield ServedApp(origin, login, told)


def sign_in(idp: RunningIdp, served: ServedApp, http: httpx.Client, browser: Browser) -> None:
    started = http.get("/login", params={"return_to": "/"})
    assert started.status_code == 302
    assert started.headers["cache-control"] == "no-store"
    query = through_idp(browser, started.headers["location"], create_user(idp))
    finished = http.get("/callback", params=query)
    assert finished.status_code == 303, finished.text
    assert finished.headers["location"] == "/"


def id_token_of(served: ServedApp, http: httpx.Client) -> str:
    session = served.login.web_login.session(http.cookies["tessera_session"])
    assert session is not None
    record = served.login.web_login.core.registry.load(session.id)
    assert record is not None
    return record.tokens.id_token


def test_sign_in_then_a_backchannel_logout_signs_the_browser_out(idp, served):
    with app_client(served.origin) as http, Browser(idp) as browser:
        sign_in(idp, served, http, browser)
        assert http.get("/").text == "signed in as Ada Lovelace"

        end_sso_session(browser, id_token_of(served, http))  # Tessera tells the app
        deadline = time.monotonic() + 15
        while http.get("/").status_code != 401:
            assert time.monotonic() < deadline, "the back-channel logout did not arrive"
            time.sleep(0.1)
        assert "tessera_session" in http.cookies  # the browser still has its cookie
        assert served.logged_out[-1].subject is not None


def test_sign_out_ends_the_app_session_and_goes_to_the_end_session_endpoint(idp, served):
    with app_client(served.origin) as http, Browser(idp) as browser:
        sign_in(idp, served, http, browser)
        cookie = http.cookies["tessera_session"]
        signed_out = http.post("/logout")
        assert signed_out.status_code == 303
        assert signed_out.headers["location"].startswith(f"{idp.issuer}/logout?")
        assert 'tessera_session=""' in signed_out.headers["set-cookie"] or (
            "tessera_session=; Max-Age=0" in signed_out.headers["set-cookie"]
        )
        http.cookies.set("tessera_session", cookie)  # the old cookie is refused
        assert http.get("/").status_code == 401


def test_an_open_redirect_is_refused_with_400(served):
    with app_client(served.origin) as http:
        assert http.get("/login", params={"return_to": "//evil.example"}).status_code == 400


def test_a_callback_without_a_sign_in_is_a_400_page(served):
    with app_client(served.origin) as http:
        response = http.get("/callback", params={"code": "x", "state": "y"})
    assert response.status_code == 400
    assert "Sign-in failed" in response.text


def test_an_error_response_is_shown_escaped(idp, served):
    with app_client(served.origin) as http:
        started = http.get("/login")
        state = httpx.URL(started.headers["location"]).params["state"]
        response = http.get(
            "/callback",
            params={"error": "access_denied", "error_description": "<b>no</b>", "state": state},
        )
    assert response.status_code == 400
    assert "access_denied" in response.text
    assert "<b>" not in response.text


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (form(logout_token="not.a.token"), FORM),
        (b"x" * 70_000, FORM),
        (b"logout_token=a.b.c", "text/plain"),
    ],
)
def test_a_bad_backchannel_logout_is_a_400_json_error__bcl_s2_8(served, body, content_type):
    with app_client(served.origin) as http:
        response = http.post(
            "/backchannel-logout", content=body, headers={"content-type": content_type}
        )
    assert response.status_code == 400
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["error"] == "invalid_request"


def test_the_logout_and_backchannel_routes_take_post_only(served):
    with app_client(served.origin) as http:
        assert http.get("/logout").status_code == 405
        assert http.get("/backchannel-logout").status_code == 405
