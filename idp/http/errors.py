"""Renderers for ProtocolError, one per surface (RFC 6749 §5.2, §4.1.2.1; RFC 6750 §3;
RFC 9207), and the catch-all that turns anything unexpected into ``server_error``."""

from __future__ import annotations

import logging

from authlib.common.urls import add_params_to_uri
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response

from idp.errors import InvalidClientError, InvalidRequestError, InvalidTokenError, ProtocolError
from idp.http.pages import render_page
from idp.oauth.bearer import MissingTokenError

log = logging.getLogger("idp.http")

HTML_SURFACE = "html"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def html_surface(request: Request) -> None:
    """Router dependency: errors on these routes render as HTML pages."""
    request.state.surface = HTML_SURFACE


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProtocolError, _handle_protocol_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _handle_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _handle_unexpected)


def render_error(request: Request, error: ProtocolError) -> Response:
    log.info(
        "rejected %s %s: %s (%s)",
        request.method,
        request.url.path,
        error.error,
        error.debug or error.description,
    )
    if error.redirect_uri is not None:
        issuer: str = request.app.state.provider.settings.issuer
        return render_redirect_error(error, error.redirect_uri, issuer, request.method)
    if getattr(request.state, "surface", None) == HTML_SURFACE:
        return render_page(
            "error.html", error.status_code, error=error.error, description=error.description
        )
    return render_json_error(error)


def render_redirect_error(
    error: ProtocolError, redirect_uri: str, issuer: str, method: str
) -> Response:
    """RFC 6749 §4.1.2.1 with ``iss`` (RFC 9207 §2) to a redirect URI already verified."""
    params = {"error": error.error, "error_description": client_description(error), "iss": issuer}
    if error.state is not None:
        params["state"] = error.state
    return redirect_to(add_params_to_uri(redirect_uri, list(params.items())), method)


def redirect_to(location: str, method: str) -> RedirectResponse:
    """302 after GET (RFC 6749 §4.1.2), 303 after a form POST so the browser GETs."""
    return RedirectResponse(location, status_code=303 if method == "POST" else 302)


def render_json_error(error: ProtocolError) -> Response:
    headers = dict(NO_STORE)
    if isinstance(error, MissingTokenError):
        # RFC 6750 §3.1: no credentials, so no error code, just the challenge.
        headers["WWW-Authenticate"] = 'Bearer realm="tessera"'
        return Response(status_code=401, headers=headers)
    if isinstance(error, InvalidTokenError) or error.error == "insufficient_scope":
        headers["WWW-Authenticate"] = (
            f'Bearer realm="tessera", error="{error.error}", '
            f'error_description="{client_description(error)}"'
        )
    elif isinstance(error, InvalidClientError):
        headers["WWW-Authenticate"] = 'Basic realm="tessera"'  # RFC 6749 §5.2
    body = {"error": error.error, "error_description": client_description(error)}
    return JSONResponse(body, status_code=error.status_code, headers=headers)


def client_description(error: ProtocolError) -> str:
    """RFC 6749 §4.1.2.1, §5.2 (and RFC 6750 §3): error_description may only hold
    %x20-21 / %x23-5B / %x5D-7E, so echoed input cannot smuggle anything in."""
    return "".join(
        ch if 0x20 <= ord(ch) <= 0x7E and ch not in '"\\' else "?" for ch in error.description
    )


async def _handle_protocol_error(request: Request, error: ProtocolError) -> Response:
    return render_error(request, error)


async def _handle_validation_error(request: Request, error: RequestValidationError) -> Response:
    return render_error(request, InvalidRequestError("the request is malformed"))


async def _handle_unexpected(request: Request, error: Exception) -> Response:
    return render_unexpected(request, error)


def render_unexpected(request: Request, error: Exception) -> Response:
    """Anything that is not a ProtocolError: logged with its traceback, answered with a
    generic server_error and nothing about the cause."""
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    if getattr(request.state, "surface", None) == HTML_SURFACE:
        return render_page(
            "error.html", 500, error="server_error", description="Something went wrong."
        )
    return JSONResponse(
        {"error": "server_error", "error_description": "internal error"},
        status_code=500,
        headers=NO_STORE,
    )
