"""Problem Details for HTTP APIs (RFC 9457): how the admin API answers an error.

Everything under ``/admin/`` is that surface, whether a route matched or not (an unknown
path and a wrong method are problems too). A ``ProtocolError`` becomes a problem: its
``problem_type`` (``about:blank`` when the status says it all, §4.2.1, the title then
being the status's reason phrase), its status, its description as ``detail``, the
request's path as ``instance`` (§3.1.5), and the extension members its type defines
(§3.2). The headers the error calls for (a Bearer challenge, ``Retry-After``) are kept."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import JSONResponse

from idp.errors import ProtocolError
from idp.http.openapi import PROBLEM_JSON

PROBLEM_PATHS = ("/admin/",)
UNCACHED = {"Cache-Control": "no-store"}  # RFC 9111 §5.2.2.5


def is_problem_surface(request: Request) -> bool:
    return request.url.path.startswith(PROBLEM_PATHS)


def _instance(request: Request) -> str:
    """The request's path as a URI reference (RFC 3986 §4.1: percent-encoded again)."""
    return quote(request.url.path, safe="/!$&'()*+,;=:@-._~")


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


def render_problem(request: Request, error: ProtocolError) -> ProblemResponse:
    problem: dict[str, Any] = {
        **error.problem_members(),
        "type": error.problem_type,
        "title": error.problem_title or HTTPStatus(error.status_code).phrase,
        "status": error.status_code,
        "instance": _instance(request),
    }
    # RFC 6750 §3.1: a request without credentials is told nothing but the challenge.
    if error.reports_error:
        problem["detail"] = error.description
    return ProblemResponse(
        problem, status_code=error.status_code, headers={**UNCACHED, **error.headers()}
    )


def render_unexpected_problem(request: Request) -> ProblemResponse:
    """A 500 that says nothing of its cause."""
    problem = {
        "type": "about:blank",
        "title": HTTPStatus.INTERNAL_SERVER_ERROR.phrase,
        "status": 500,
        "detail": "internal error",
        "instance": _instance(request),
    }
    return ProblemResponse(problem, status_code=500, headers=UNCACHED)
