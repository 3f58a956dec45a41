"""The hottest endpoints, dispatched without FastAPI's router.

FastAPI's routing, dependency solving and exception middleware cost more than the
work of a client-credentials token or an introspection. This ASGI middleware sends
``POST /token``, ``POST /introspect``, discovery and the JWKS straight to their
handlers. They are the same
functions the FastAPI routes use (which also document them in OpenAPI), and errors are
rendered by the same renderers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from fastapi import Request, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from idp.errors import ProtocolError
from idp.http.errors import ErrorRenderer

Handler = Callable[[Request], Awaitable[Response]]


class DirectRoutes:
    def __init__(
        self, app: ASGIApp, routes: Mapping[tuple[str, str], Handler], errors: ErrorRenderer
    ) -> None:
        self.app = app
        self.routes = routes
        self.errors = errors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = (
            self.routes.get((_method(scope["method"]), scope["path"]))
            if scope["type"] == "http"
            else None
        )
        if handler is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await handler(request)
        except ProtocolError as error:
            response = self.errors.render(request, error)
        except Exception as error:
            response = self.errors.render_unexpected(request, error)
        await response(scope, receive, send)


def _method(method: str) -> str:
    """RFC 9110 §9.3.2: HEAD is GET without the content (the server leaves the body out)."""
    return "GET" if method == "HEAD" else method
