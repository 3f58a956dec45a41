"""The PEP's request identifier echoed on every answer of the decision API, errors
included (AuthZEN 1.0 §12.1.3: when the request has an ``X-Request-ID``, the response
MUST carry the same one)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID = b"x-request-id"


class RequestIdEcho:
    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # the path first: every other request of the app passes without a header scan
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        echoed = _request_id(scope)
        if echoed is None:
            await self.app(scope, receive, send)
            return

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != REQUEST_ID]
                message["headers"] = [*headers, (REQUEST_ID, echoed)]
            await send(message)

        await self.app(scope, receive, send_with_id)


def _request_id(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name == REQUEST_ID:
            return bytes(value)
    return None
