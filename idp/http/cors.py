"""Cross-origin requests from browser applications (the Fetch standard's CORS protocol),
on the endpoints a single-page app calls and on no other (never /authorize or a page).

Discovery and the JWKS are public documents: any origin may read them. The token,
revocation and UserInfo endpoints answer an origin only if it is a web origin of the
client the request is about (``Client.allowed_origins``: its redirect URIs' origins
unless registered otherwise), which the route names with ``allow_origins_of`` once it
knows the client. No credentials mode: Tessera never sets Allow-Credentials, so no
cookie is ever sent cross-origin."""

from __future__ import annotations

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from idp.oauth.clients import Client

PUBLIC = {"/.well-known/openid-configuration": "GET", "/jwks": "GET", "/statuslists": "GET"}
# Each status list (draft-ietf-oauth-status-list-20 §8.1: CORS, for browser clients).
PUBLIC_PREFIXES = {"/statuslists/": "GET"}
PER_CLIENT = {"/token": "POST", "/revoke": "POST", "/userinfo": "GET, POST"}
ALLOWED_HEADERS = b"Authorization, Content-Type, If-None-Match"
EXPOSED_HEADERS = b"WWW-Authenticate, Retry-After, ETag"
PREFLIGHT_MAX_AGE = b"600"
ORIGINS_STATE = "cors_origins"


def allow_origins_of(request: Request, client: Client | None) -> None:
    """The answer to this request may be read by scripts of the client's web origins."""
    if client is not None:
        setattr(request.state, ORIGINS_STATE, client.allowed_origins)


class CorsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        origin = _origin(scope) if scope["type"] == "http" else None
        methods = _methods(path)
        if origin is None or methods is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method"):
            await _preflight(path, methods, origin, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start" and _allowed(scope, path, origin):
                message["headers"] = [
                    *message.get("headers", []),
                    (b"access-control-allow-origin", b"*" if _public(path) else origin.encode()),
                    (b"access-control-expose-headers", EXPOSED_HEADERS),
                    (b"vary", b"Origin"),
                ]
            await send(message)

        await self.app(scope, receive, send_with_cors)


async def _preflight(path: str, methods: str, origin: str, send: Send) -> None:
    """Permission to send; whether the answer may be read is decided on the answer,
    by client. Preflights carry no credentials and change nothing."""
    headers = [
        (b"access-control-allow-origin", b"*" if _public(path) else origin.encode()),
        (b"access-control-allow-methods", methods.encode()),
        (b"access-control-allow-headers", ALLOWED_HEADERS),
        (b"access-control-max-age", PREFLIGHT_MAX_AGE),
        (b"vary", b"Origin"),
        (b"cache-control", b"no-store"),
    ]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def _public(path: str) -> bool:
    return path in PUBLIC or path.startswith(tuple(PUBLIC_PREFIXES))


def _methods(path: str) -> str | None:
    """The methods cross-origin requests may use at ``path``; None: not a CORS path."""
    prefixed = next(
        (methods for prefix, methods in PUBLIC_PREFIXES.items() if path.startswith(prefix)), None
    )
    return PUBLIC.get(path) or PER_CLIENT.get(path) or prefixed


def _allowed(scope: Scope, path: str, origin: str) -> bool:
    if _public(path):
        return True
    return origin in scope.get("state", {}).get(ORIGINS_STATE, frozenset())


def _origin(scope: Scope) -> str | None:
    value = _header(scope, b"origin")
    return value.decode("latin-1") if value and value != b"null" else None


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((value for key, value in scope.get("headers", []) if key == name), None)
