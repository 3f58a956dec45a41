"""Starlette (and FastAPI) binding of the web-app login helper (idp.rp.web_login): the
routes that sign users in and out, and the current app session of a request.

```python
login = StarletteLogin(AsyncProvider(ISSUER), WebLoginSettings(client_id=..., redirect_uri=
    "https://app.example/callback", secret_key=..., post_logout_redirect_uri="https://app.example/"))
app = Starlette(routes=[Route("/", home), *login.routes])
# in a route: session = login.session(request); FastAPI: Depends(login.session)
```

``GET /login?return_to=/path`` starts a sign-in, the callback (the path of
``redirect_uri``) ends it, ``POST /logout`` signs out (a form button: a cross-site POST
carries no Lax cookie, so it cannot sign anyone out), ``POST /backchannel-logout``
receives the provider's logout tokens. Everything runs on the event loop, on an
``AsyncProvider``; this module only converts requests and responses."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from idp.rp.aio import AsyncProvider
from idp.rp.app_session import AppSession, Cookie
from idp.rp.errors import LoginError, ProviderUnavailable, TokenError
from idp.rp.session_registry import SessionRegistry
from idp.rp.web_login import (
    NO_STORE,
    AsyncOnLogout,
    AsyncWebLogin,
    BackchannelAnswer,
    WebLoginSettings,
)

MAX_LOGOUT_BODY = 64 * 1024  # bytes of a back-channel logout request
UNAVAILABLE = "The identity provider cannot be reached now: try again in a moment."


class StarletteLogin:
    def __init__(
        self,
        provider: AsyncProvider,
        settings: WebLoginSettings,
        *,
        registry: SessionRegistry | None = None,
        on_logout: AsyncOnLogout | None = None,
        login_path: str = "/login",
        logout_path: str = "/logout",
        backchannel_logout_path: str = "/backchannel-logout",
    ) -> None:
        self.web_login = AsyncWebLogin(provider, settings, registry=registry, on_logout=on_logout)
        self.settings = settings
        self.login_path = login_path
        callback_path = urlsplit(settings.redirect_uri).path or "/"
        self.routes = [
            Route(login_path, self._login, methods=["GET"], name="login"),
            Route(callback_path, self._callback, methods=["GET"], name="login_callback"),
            Route(logout_path, self._logout, methods=["POST"], name="logout"),
            Route(
                backchannel_logout_path,
                self._backchannel_logout,
                methods=["POST"],
                name="backchannel_logout",
            ),
        ]

    def session(self, request: Request) -> AppSession | None:
        """The request's app session, None when signed out (a FastAPI dependency too)."""
        return self.web_login.session(request.cookies.get(self.settings.session_cookie))

    def seconds_left(self, session: AppSession) -> float:
        return self.web_login.seconds_left(session)

    async def access_token(self, session: AppSession) -> str:
        """Refreshed first when near its expiry; SessionEnded when it cannot be."""
        return await self.web_login.access_token(session)

    async def _login(self, request: Request) -> Response:
        try:
            start = await self.web_login.start_login(request.query_params.get("return_to", "/"))
        except LoginError as exc:
            return self._page(400, "Sign-in refused", str(exc))
        except ProviderUnavailable:
            return self._page(503, "Sign-in unavailable", UNAVAILABLE)
        return _with_cookies(RedirectResponse(start.url, 302, headers=NO_STORE), start.cookie)

    async def _callback(self, request: Request) -> Response:
        login_cookie = request.cookies.get(self.settings.login_cookie)
        try:
            signed_in = await self.web_login.finish_login(dict(request.query_params), login_cookie)
        except ProviderUnavailable:
            return self._page(503, "Sign-in unavailable", UNAVAILABLE)
        except (LoginError, TokenError) as exc:
            failed = self._page(400, "Sign-in failed", str(exc))
            return _with_cookies(failed, self.web_login.core.login_cookie_deletion())
        response = RedirectResponse(signed_in.return_to, 303, headers=NO_STORE)
        return _with_cookies(response, signed_in.cookie, signed_in.clear)

    async def _logout(self, request: Request) -> Response:
        try:
            signed_out = await self.web_login.logout(self.session(request))
        except ProviderUnavailable:  # the app session has ended; the provider's has not
            return self._page(503, "Signed out of this application only", UNAVAILABLE)
        return _with_cookies(RedirectResponse(signed_out.url, 303), signed_out.clear)

    async def _backchannel_logout(self, request: Request) -> Response:
        body = await _body(request, MAX_LOGOUT_BODY)
        if body is None:
            answer = BackchannelAnswer.refused("the body is too large")
        else:
            content_type = request.headers.get("content-type", "")
            answer = await self.web_login.receive_backchannel_logout(body, content_type)
        return Response(answer.body, answer.status, headers=dict(answer.headers))

    def _page(self, status: int, title: str, message: str) -> Response:
        page = (
            f"<!doctype html><meta charset=utf-8><title>{title}</title><h1>{title}</h1>"
            f"<p>{html.escape(message)}</p><p><a href='{html.escape(self.login_path)}'>"
            "Sign in again</a></p>"
        )
        return HTMLResponse(page, status, headers=NO_STORE)


def _with_cookies(response: Response, *cookies: Cookie) -> Response:
    for cookie in cookies:
        response.headers.append("set-cookie", cookie.header())
    return response


async def _body(request: Request, limit: int) -> bytes | None:
    """The request body, or None beyond ``limit`` bytes (not read further)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)
