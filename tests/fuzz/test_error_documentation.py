"""What idp.http.openapi documents is what the error renderers send: each route of a
small app is described with one helper and answers with the matching renderer, and
schemathesis checks the answer against the description (status, media type, body
schema, required headers)."""

from __future__ import annotations

import json

import pytest
import schemathesis
from fastapi import FastAPI, Request
from fastapi.responses import Response
from schemathesis.schemas import BaseSchema

from idp.admin.authz import CycleRefusedError
from idp.authz.model import CycleError
from idp.errors import (
    InsufficientScopeError,
    InvalidClientError,
    InvalidFieldError,
    InvalidRequestError,
    InvalidTokenError,
    PreconditionFailedError,
    RequestTooLargeError,
)
from idp.http import openapi
from idp.http.conditional import conditional_response, etag_of
from idp.http.errors import redirect_to, render_json_error
from idp.http.pages import render_page
from idp.http.problems import render_problem
from idp.oauth.bearer import MissingTokenError

DENIED = "https://app.example/cb?error=access_denied&state=xyz&iss=https%3A%2F%2Fidp.example"
KEYS = {"keys": [{"kty": "EC", "kid": "k1", "crv": "P-256", "x": "AAAA", "y": "AAAA"}]}


def documented_app() -> FastAPI:
    app = FastAPI()

    @app.get("/invalid-request", responses=openapi.oauth_errors(400))
    def invalid_request() -> Response:
        # Echoed input: error_description must stay within RFC 6749 §5.2's characters.
        return render_json_error(InvalidRequestError('an "echoed" \\ value\n'))

    @app.get("/invalid-client", responses=openapi.oauth_errors(401))
    def invalid_client() -> Response:
        return render_json_error(InvalidClientError("client authentication failed"))

    @app.get("/too-large", responses=openapi.oauth_errors(413))
    def too_large() -> Response:
        return render_json_error(RequestTooLargeError("request body exceeds 65536 bytes"))

    @app.get("/no-token", responses=openapi.bearer_errors(401))
    def no_token() -> Response:
        return render_json_error(MissingTokenError("an access token is required"))

    @app.get("/invalid-token", responses=openapi.bearer_errors(401))
    def invalid_token() -> Response:
        return render_json_error(InvalidTokenError("the access token is invalid"))

    @app.get("/insufficient-scope", responses=openapi.bearer_errors(403))
    def insufficient_scope() -> Response:
        return render_json_error(InsufficientScopeError("the access token lacks openid"))

    @app.get("/page", responses=openapi.html_errors(400))
    def page() -> Response:
        return render_page("error.html", 400, error="invalid_request", description="unknown client")

    @app.get(
        "/redirect",
        status_code=302,
        response_class=Response,
        responses=openapi.redirect(302, openapi.AUTHORIZATION_REDIRECT),
    )
    def redirect() -> Response:
        return redirect_to(DENIED, "GET")

    @app.get("/jwks", response_class=Response, responses=openapi.JWKS)
    def jwks(request: Request) -> Response:
        body = json.dumps(KEYS).encode()
        headers = {"Cache-Control": "public, max-age=60"}
        etag = etag_of(body)
        return conditional_response(
            request, body, etag=etag, media_type=openapi.JWK_SET, headers=headers
        )

    @app.get("/problem/field", responses=openapi.problem_errors(400))
    def invalid_field(request: Request) -> Response:
        return render_problem(request, InvalidFieldError("name", 'an "echoed" \\ value\n'))

    @app.get("/problem/no-token", responses=openapi.problem_errors(401))
    def problem_no_token(request: Request) -> Response:
        return render_problem(request, MissingTokenError("an access token is required"))

    @app.get("/problem/scope", responses=openapi.problem_errors(403))
    def problem_scope(request: Request) -> Response:
        return render_problem(request, InsufficientScopeError("the token lacks admin.authz"))

    @app.get("/problem/cycle", responses=openapi.problem_errors(409))
    def problem_cycle(request: Request) -> Response:
        return render_problem(request, CycleRefusedError(CycleError("group", ["a", "b", "a"])))

    @app.get("/problem/stale", responses=openapi.problem_errors(412))
    def problem_stale(request: Request) -> Response:
        return render_problem(request, PreconditionFailedError("the current version is 2"))

    return app


@pytest.fixture(scope="module")
def schema() -> BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", documented_app())


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/invalid-request", 400),
        ("/invalid-client", 401),
        ("/too-large", 413),
        ("/no-token", 401),
        ("/invalid-token", 401),
        ("/insufficient-scope", 403),
        ("/page", 400),
        ("/redirect", 302),
        ("/jwks", 200),
        ("/problem/field", 400),
        ("/problem/no-token", 401),
        ("/problem/scope", 403),
        ("/problem/cycle", 409),
        ("/problem/stale", 412),
    ],
)
def test_the_rendered_error_is_the_documented_one(schema: BaseSchema, path: str, status: int):
    case = schema[path]["GET"].Case()
    response = case.call()  # a documented 3xx is not followed
    assert response.status_code == status
    case.validate_response(response)
