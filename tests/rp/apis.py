"""Small APIs protected by the SDK's integrations, each served on its own loopback port
in a thread: a FastAPI app (the dependency), a Starlette app (the ASGI middleware) and a
Flask app (the decorator). Every one answers the same routes the same way:

- GET /orders: scope orders:read
- DELETE /orders: scope orders:write and role clerk
- GET /payments: a user authentication of urn:tessera:acr:mfa at most 300 s old
- GET /statement: a user authentication at most 300 s old
- WebSocket /feed: scope orders:read (only in the Starlette app)
- GET /health: no token (the middleware's exempt path)

and answers {"sub": ...} with the token's subject."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    contextmanager,
)
from typing import Any

import flask
from fastapi import Depends, FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from werkzeug.serving import make_server

from idp.rp import AsyncProvider, Claims, Provider, asgi
from idp.rp import fastapi as rp_fastapi
from idp.rp import flask as rp_flask
from idp.rp.resource_server import ResourceServer
from tests.support.asgi_server import serving
from tests.support.relying_party import ORDERS_API
from tests.support.server import free_port

REALM = "orders"
MFA = "urn:tessera:acr:mfa"
FRESH = 300  # s


def closing(provider: AsyncProvider) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """A lifespan that closes the provider's connections on the app's event loop."""

    @asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        yield
        await provider.aclose()

    return lifespan


def fastapi_app(provider: AsyncProvider) -> FastAPI:
    api = rp_fastapi.ResourceServer(provider, audience=ORDERS_API, realm=REALM)
    app = FastAPI(lifespan=closing(provider))

    @app.get("/orders")
    async def orders(claims: Claims = Depends(api.require(scopes="orders:read"))) -> Any:  # noqa: B008
        return {"sub": claims.subject}

    @app.delete("/orders")
    async def cancel(
        claims: Claims = Depends(api.require(scopes=["orders:write"], roles="clerk")),  # noqa: B008
    ) -> Any:
        return {"sub": claims.subject}

    @app.get("/payments")
    async def payments(
        claims: Claims = Depends(api.require(acr_values=[MFA], max_age=FRESH)),  # noqa: B008
    ) -> Any:
        return {"sub": claims.subject}

    @app.get("/statement")
    async def statement(claims: Claims = Depends(api.require(max_age=FRESH))) -> Any:  # noqa: B008
        return {"sub": claims.subject}

    return app


def starlette_app(provider: AsyncProvider) -> Any:
    """One middleware per route's requirement: each route is its own app."""
    resource_server = ResourceServer(provider, audience=ORDERS_API, realm=REALM)

    async def subject(request: Request) -> JSONResponse:
        return JSONResponse({"sub": request.state.claims.subject})

    async def feed(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"sub": websocket.state.claims.subject})
        await websocket.close()

    def guarded(path: str, methods: list[str], **requirement: Any) -> Any:
        inner = Starlette(routes=[Route(path, subject, methods=methods)])
        return asgi.BearerTokenMiddleware(inner, resource_server=resource_server, **requirement)

    routes = {
        ("GET", "/orders"): guarded("/orders", ["GET"], scopes="orders:read"),
        ("DELETE", "/orders"): guarded(
            "/orders", ["DELETE"], scopes="orders:write", roles=["clerk"]
        ),
        ("GET", "/payments"): guarded("/payments", ["GET"], acr_values=MFA, max_age=FRESH),
        ("GET", "/statement"): guarded("/statement", ["GET"], max_age=FRESH),
        ("WEBSOCKET", "/feed"): asgi.BearerTokenMiddleware(
            Starlette(routes=[WebSocketRoute("/feed", feed)]),
            resource_server=resource_server,
            scopes="orders:read",
        ),
    }
    health = Starlette(routes=[Route("/health", lambda _: JSONResponse({"ok": True}))])
    exempt = asgi.BearerTokenMiddleware(health, resource_server=resource_server, exempt={"/health"})

    lifespan = Starlette(lifespan=closing(provider))

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await lifespan(scope, receive, send)
            return
        method = scope.get("method", scope["type"].upper())
        route = routes.get((method, scope.get("path")), exempt)
        await route(scope, receive, send)

    return app


def flask_app(provider: Provider) -> flask.Flask:
    api = rp_flask.ResourceServer(provider, audience=ORDERS_API, realm=REALM)
    app = flask.Flask(__name__)

    @app.get("/orders")
    @api.require(scopes="orders:read")
    def orders() -> Any:
        return {"sub": flask.g.claims.subject}

    @app.delete("/orders")
    @api.require(scopes="orders:write", roles=["clerk"])
    def cancel() -> Any:
        return {"sub": flask.g.claims.subject}

    @app.get("/payments")
    @api.require(acr_values=MFA, max_age=FRESH)
    def payments() -> Any:
        return {"sub": flask.g.claims.subject}

    @app.get("/statement")
    @api.require(max_age=FRESH)
    def statement() -> Any:
        return {"sub": flask.g.claims.subject}

    return app


def served_asgi(app: Any) -> AbstractContextManager[str]:
    return serving(app, free_port())


@contextmanager
def served_wsgi(app: flask.Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
