"""Renderers for ProtocolError, one per surface (RFC 6749 §5.2, §4.1.2.1; RFC 6750 §3;
RFC 9207; the admin API's RFC 9457 problems: idp.http.problems), and the catch-all that
turns anything unexpected into ``server_error``."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from authlib.common.urls import add_params_to_uri
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

from idp.errors import InvalidRequestError, NotFoundError, ProtocolError
from idp.http.pages import render_page
from idp.http.problems import is_problem_surface, render_problem, render_unexpected_problem

log = logging.getLogger("idp.http")

HTML_SURFACE = "html"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def html_surface(request: Request) -> None:
    """Router dependency: errors on these routes render as HTML pages."""
    request.state.surface = HTML_SURFACE


def redirect_to(location: str, method: str) -> RedirectResponse:
    """302 after GET (RFC 6749 §4.1.2), 303 after a form POST so the browser GETs. Never
    cached: the location carries a code or an error meant for this one request."""
    return RedirectResponse(
        location, status_code=303 if method == "POST" else 302, headers=NO_STORE
    )


@dataclass(frozen=True)
class ErrorRenderer:
    issuer: str

    def install(self, app: FastAPI) -> None:
        app.add_exception_handler(ProtocolError, self._handle_protocol_error)  # type: ignore[arg-type]
        app.add_exception_handler(404, self._handle_not_found)  # type: ignore[arg-type]
        app.add_exception_handler(405, self._handle_method_not_allowed)
        app.add_exception_handler(RequestValidationError, self._handle_validation_error)  # type: ignore[arg-type]
        app.add_exception_handler(Exception, self._handle_unexpected)

    def render(self, request: Request, error: ProtocolError) -> Response:
        log.info(
            "rejected %s %s: %s (%s)",
            request.method,
            request.url.path,
            error.error,
            error.debug or error.description,
        )
        if error.redirect_uri is not None:
            return self.render_redirect(error, error.redirect_uri, request.method)
        if is_problem_surface(request):
            return render_problem(request, error)
        if getattr(request.state, "surface", None) == HTML_SURFACE:
            return render_page(
                "error.html",
                error.status_code,
                headers=error.headers(),
                error=error.error,
                description=error.description,
            )
        return render_json_error(error)

    def render_redirect(self, error: ProtocolError, redirect_uri: str, method: str) -> Response:
        """RFC 6749 §4.1.2.1 with ``iss`` (RFC 9207 §2) to a redirect URI already verified."""
        params = {
            "error": error.error,
            "error_description": error.public_description,
            "iss": self.issuer,
        }
        if error.state is not None:
            params["state"] = error.state
        return redirect_to(add_params_to_uri(redirect_uri, list(params.items())), method)

    def render_unexpected(self, request: Request, error: Exception) -> Response:
        """Anything that is not a ProtocolError: logged with its traceback, answered with a
        generic server_error and nothing about the cause."""
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
        if is_problem_surface(request):
            return render_unexpected_problem(request)
        if getattr(request.state, "surface", None) == HTML_SURFACE:
            return render_page(
                "error.html", 500, error="server_error", description="Something went wrong."
            )
        return JSONResponse(
            {"error": "server_error", "error_description": "internal error"},
            status_code=500,
            headers=NO_STORE,
        )

    async def _handle_protocol_error(self, request: Request, error: ProtocolError) -> Response:
        return self.render(request, error)

    async def _handle_validation_error(
        self, request: Request, error: RequestValidationError
    ) -> Response:
        return self.render(request, InvalidRequestError(malformed(error)))

    async def _handle_not_found(self, request: Request, error: HTTPException) -> Response:
        """No route for the path: a problem on the admin API, FastAPI's answer elsewhere."""
        if is_problem_surface(request):
            return render_problem(request, NotFoundError("no such resource"))
        return await http_exception_handler(request, error)

    async def _handle_method_not_allowed(self, request: Request, error: Exception) -> Response:
        """RFC 9110 §15.5.6: Allow lists every method the resource supports (Starlette
        names only those of the first route that matched the path)."""
        allowed = methods_allowed(request)
        refusal = MethodNotAllowedError(f"use {', '.join(allowed)}")
        if is_problem_surface(request):
            error_response: Response = render_problem(request, refusal)
        else:
            error_response = render_json_error(refusal)
        error_response.headers["Allow"] = ", ".join(allowed)
        return error_response

    async def _handle_unexpected(self, request: Request, error: Exception) -> Response:
        return self.render_unexpected(request, error)


ALLOW_CANDIDATES = ("GET", "POST", "PUT", "PATCH", "DELETE")


def malformed(error: RequestValidationError) -> str:
    """What FastAPI found wrong, named by where it is (``path name``, ``query limit``)."""
    places = [
        " ".join(str(part) for part in problem.get("loc", ()))
        for problem in error.errors()
        if problem.get("loc")
    ]
    return (
        f"the request is malformed: {', '.join(dict.fromkeys(places))}"
        if places
        else ("the request is malformed")
    )


class MethodNotAllowedError(InvalidRequestError):
    status_code = 405


def methods_allowed(request: Request) -> list[str]:
    """The methods some route serves at this path: each one tried against the routes."""
    routes = request.app.router.routes
    return [
        method
        for method in ALLOW_CANDIDATES
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


def render_json_error(error: ProtocolError) -> Response:
    """RFC 6749 §5.2 (and RFC 6750 §3.1): a JSON body and the headers the error calls for."""
    headers = {**NO_STORE, **error.headers()}
    if not error.reports_error:
        return Response(status_code=error.status_code, headers=headers)
    body = {"error": error.error, "error_description": error.public_description}
    return JSONResponse(body, status_code=error.status_code, headers=headers)
