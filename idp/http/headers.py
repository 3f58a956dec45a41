"""Security headers on every response (OWASP Secure Headers Project). A response that
sets one of them itself (the front-channel logout page frames the applications'
pages, so it names them in its own policy) keeps its own."""

from __future__ import annotations

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
]


def policy_framing(origins: list[str]) -> str:
    """The default policy, plus the origins a page may frame and its own scripts."""
    sources = " ".join(origins) or "'none'"
    return f"{CONTENT_SECURITY_POLICY}; frame-src {sources}; script-src 'self'"


def policy_with_scripts() -> str:
    """The default policy, plus the page's own scripts and their requests to us."""
    return f"{CONTENT_SECURITY_POLICY}; script-src 'self'; connect-src 'self'"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                own = {name.lower() for name, _value in headers}
                message["headers"] = headers + [
                    header for header in SECURITY_HEADERS if header[0] not in own
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Pages that run their own script (idp/web/static/passkeys.js: WebAuthn needs it) and
# whose script calls back to this origin: no inline script, no other origin.
POLICY_WITH_SCRIPT = f"{CONTENT_SECURITY_POLICY}; script-src 'self'; connect-src 'self'"


def allow_own_script(response: Response) -> Response:
    """``response`` (a page) may load this origin's scripts and call this origin."""
    response.headers["content-security-policy"] = POLICY_WITH_SCRIPT
    return response
