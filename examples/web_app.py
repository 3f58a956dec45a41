"""A server-side web app that signs its users in with Tessera, through the SDK's
Starlette binding (idp.rp.starlette): the authorization code flow with PKCE, an app
session in a sealed cookie, sign-out by RP-initiated logout, and the app session ended
when Tessera sends a back-channel logout.

Run the IdP with `idp serve --demo`, then the command it prints:

    .venv/bin/python examples/web_app.py --issuer http://127.0.0.1:8000 --client-id <client_id>

and open http://127.0.0.1:9000/. A confidential client's secret is read from the
environment variable WEB_APP_CLIENT_SECRET (never from the command line).
"""

from __future__ import annotations

import argparse
import html
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from idp.rp import AsyncProvider, WebLoginSettings
from idp.rp.starlette import StarletteLogin

PAGE = "<!doctype html><meta charset=utf-8><title>Example web app</title>{}"
NO_STORE = {"Cache-Control": "no-store"}


def build_app(issuer: str, client_id: str, origin: str, client_secret: str | None) -> Starlette:
    settings = WebLoginSettings(
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=f"{origin}/callback",
        post_logout_redirect_uri=f"{origin}/",
        secret_key=secrets.token_urlsafe(32),  # new at each start: so are the sessions
    )
    provider = AsyncProvider(issuer)
    login = StarletteLogin(provider, settings)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with provider:  # closed with the app
            yield

    async def home(request: Request) -> HTMLResponse:
        session = login.session(request)
        if session is None:
            body = "<h1>Signed out</h1><p><a href='/login'>Sign in with Tessera</a></p>"
            return HTMLResponse(PAGE.format(body), headers=NO_STORE)
        name = html.escape(str(session.claims.get("name", session.subject)))
        minutes = int(login.seconds_left(session) // 60)
        body = (
            f"<h1>Signed in as {name}</h1><p>Subject {html.escape(session.subject)}; "
            f"this session ends in {minutes} minutes without activity.</p>"
            "<form method=post action=/logout><button>Sign out</button></form>"
        )
        return HTMLResponse(PAGE.format(body), headers=NO_STORE)

    return Starlette(routes=[Route("/", home), *login.routes], lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer", default="http://127.0.0.1:8000")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()
    origin = f"http://{args.host}:{args.port}"
    app = build_app(args.issuer, args.client_id, origin, os.environ.get("WEB_APP_CLIENT_SECRET"))
    print(f"Open {origin}/ to sign in through Tessera", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
