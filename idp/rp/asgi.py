"""ASGI middleware (Starlette, FastAPI, any ASGI app): every HTTP request and WebSocket
handshake must carry an access token that meets one requirement.

```python
api = ResourceServer(AsyncProvider("https://idp.example"), audience="https://api.example")
app.add_middleware(BearerTokenMiddleware, resource_server=api, scopes="orders:read")
```

The claims are in the ASGI scope's state (``request.state.claims`` in Starlette). A
refused HTTP request gets its ``Refusal`` (idp.rp.bearer) as a JSON response; a refused
WebSocket handshake is closed with 1008 (policy violation, RFC 6455 §7.4.1). Paths in
``exempt`` (exactly) pass without a token: a health check, say. Put CORS middleware
outside this one: a preflight request carries no token (Fetch §4.8).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Collection, MutableMapping
from typing import Any

from idp.rp.bearer import Refusal, Requirement
from idp.rp.errors import TokenError
from idp.rp.resource_server import ResourceServer

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

POLICY_VIOLATION = 1008


class BearerTokenMiddleware:
    def __init__(
        self,
        app: App,
        *,
        resource_server: ResourceServer,
        scopes: str | Collection[str] = (),
        roles: str | Collection[str] = (),
        acr_values: str | Collection[str] | None = None,
        max_age: int | None = None,
        exempt: Collection[str] = (),
    ) -> None:
        self.app = app
        self.resource_server = resource_server
        self.requirement = Requirement.of(scopes, roles, acr_values, max_age)
        self.exempt = frozenset(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        fields = [
            value.decode("latin-1") for name, value in scope["headers"] if name == b"authorization"
        ]
        try:
            claims = await self.resource_server.authenticate_async(fields, self.requirement)
        except TokenError as error:
            refused = self.resource_server.refusal(error, self.requirement)
            await _refuse(scope, send, refused)
            return
        scope.setdefault("state", {})["claims"] = claims
        await self.app(scope, receive, send)


async def _refuse(scope: Scope, send: Send, refused: Refusal) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": POLICY_VIOLATION})
        return
    body = json.dumps(refused.body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((name.lower().encode(), value.encode()) for name, value in refused.headers.items()),
    ]
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
