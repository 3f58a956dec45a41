"""OpenAPI descriptions of what routes parse and answer themselves (strictly, per spec):
their parameters, their error responses on each surface (OAuth JSON, Bearer challenge,
HTML page, redirect), the media types the default JSON response would misstate, and
the credentials they read (documented only: the routes check them themselves)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.models import HTTPBase as HTTPBaseModel
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.openapi.models import SecurityBase as SecurityBaseModel
from fastapi.openapi.utils import get_openapi
from fastapi.security.base import SecurityBase

from idp.oauth.parameters import MAX_PARAMETER_LENGTH, REPEATABLE

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
HTML = "text/html"
JWK_SET = "application/jwk-set+json"  # RFC 7517 §8.5.1
STATUS_LIST_JWT = "application/statuslist+jwt"  # draft-ietf-oauth-status-list-20 §14.7
INTROSPECTION_JWT = "application/token-introspection+jwt"  # RFC 9701 §5

# What a FastAPI route's ``responses=`` takes: status code -> OpenAPI response object.
Responses = dict[int | str, dict[str, Any]]


def install(app: FastAPI) -> None:
    """The app's document, as Tessera answers: a request that fails FastAPI's validation
    is answered 400 invalid_request (idp.http.errors), never 422, so FastAPI's 422
    responses and their schemas leave the document."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = without_validation_errors(
                get_openapi(
                    title=app.title, version=app.version, summary=app.summary, routes=app.routes
                )
            )
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def without_validation_errors(document: dict[str, Any]) -> dict[str, Any]:
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    schemas = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    return document


def form_body(
    *names: str,
    required: tuple[str, ...] = (),
    strict: bool = False,
    body_required: bool = True,
) -> dict[str, Any]:
    """A form-encoded request body. ``strict`` documents RFC 6749 §3.1 as
    ``idp.http.forms`` enforces it (see ``_parameter``); unknown parameters are then
    single strings too; without it, the form has only ``names``.
    ``body_required=False``: the body may be left out altogether (``OptionalFormDep``)."""
    schema: dict[str, Any] = {
        "type": "object",
        "required": list(required),
        "properties": {name: _parameter(name, name in required, strict) for name in names},
    }
    # A strict (OAuth) form takes extension parameters; a page's form only its fields
    # (others are refused when malformed, else ignored).
    schema["additionalProperties"] = (
        {"type": "string", "maxLength": MAX_PARAMETER_LENGTH} if strict else False
    )
    return {"requestBody": {"required": body_required, "content": {FORM: {"schema": schema}}}}


def query(*names: str, required: tuple[str, ...] = (), strict: bool = False) -> dict[str, Any]:
    """Query parameters. With ``strict``, as for ``form_body`` but without the length
    limit: what bounds a URL first is the HTTP server's limit on the request line (with
    uvicorn and httptools about 64 KiB, answered 400 text/plain before the application
    sees it), which OpenAPI cannot state and which a few parameters of
    MAX_PARAMETER_LENGTH would pass."""
    return {
        "parameters": [
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": _parameter(name, name in required, strict, max_length=None),
            }
            for name in names
        ]
    }


_NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"


def _parameter(
    name: str, required: bool, strict: bool, max_length: int | None = MAX_PARAMETER_LENGTH
) -> dict[str, Any]:
    """RFC 6749 §3.1, strictly: an empty value counts as omitted (so a required one is
    non-empty), no value is longer than MAX_PARAMETER_LENGTH, and only ``resource`` and
    ``audience`` may repeat (RFC 8707 §2, RFC 8693 §2.1)."""
    # idp.oauth.parameters.check_parameter refuses control characters anywhere (400).
    value: dict[str, Any] = {"type": "string", "pattern": _NO_CONTROL_CHARACTERS}
    if not strict:
        return value
    if max_length is not None:
        value["maxLength"] = max_length
    if required:
        value["minLength"] = 1
    if name in REPEATABLE:
        return {"anyOf": [value, {"type": "array", "items": value, "minItems": 1}]}
    return value


CLIENT_AUTH = ("client_id", "client_secret", "client_assertion_type", "client_assertion")

# RFC 6749 §5.2: error and error_description are limited to %x20-21 / %x23-5B / %x5D-7E
# (idp.http.errors.client_description replaces anything else).
_NQSCHAR = r"^[\x20-\x21\x23-\x5B\x5D-\x7E]*$"

OAUTH_ERROR_SCHEMA: dict[str, Any] = {
    "title": "OAuthError",
    "description": "RFC 6749 §5.2 error response",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "minLength": 1, "pattern": _NQSCHAR},
        "error_description": {"type": "string", "pattern": _NQSCHAR},
        "error_uri": {"type": "string"},
    },
}

JWK_SET_SCHEMA: dict[str, Any] = {
    "title": "JWKSet",
    "description": "RFC 7517 §5 JWK Set",
    "type": "object",
    "required": ["keys"],
    "properties": {
        "keys": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["kty", "kid"],
                "properties": {
                    "kty": {"type": "string"},
                    "kid": {"type": "string"},
                    "use": {"type": "string"},
                    "alg": {"type": "string"},
                },
            },
        }
    },
}

_ETAG = {
    "description": "The document's entity tag, for If-None-Match (RFC 9110 §8.8.3)",
    "required": True,
    "schema": {"type": "string"},
}
_PUBLIC_CACHE = {
    "description": "How long the document may be cached (a status list: its ttl)",
    "required": True,
    "schema": {"type": "string", "pattern": "max-age="},
}
# RFC 9110 §13.1.2, §15.4.5: a cached document revalidated with If-None-Match.
NOT_MODIFIED: Responses = {
    304: {
        "description": "Not modified since the ETag given in If-None-Match",
        "headers": {"ETag": _ETAG, "Cache-Control": _PUBLIC_CACHE},
    },
}
POLICY_BUNDLE_JWT = "application/tessera-policy-bundle+jwt"  # Tessera's own (idp.authz.bundles)
POLICY_BUNDLE: Responses = {
    200: {
        "description": "The policy bundle, a JWS signed with the token signing key (typ "
        "tessera-policy-bundle+jwt); its ETag is the digest of its content",
        "headers": {"ETag": _ETAG, "Cache-Control": _PUBLIC_CACHE},
        "content": {POLICY_BUNDLE_JWT: {"schema": {"type": "string"}}},
    },
    **NOT_MODIFIED,
}
STATUS_LIST: Responses = {
    200: {
        "description": "The Status List Token, a signed JWT (typ statuslist+jwt)",
        "headers": {"ETag": _ETAG, "Cache-Control": _PUBLIC_CACHE},
        "content": {STATUS_LIST_JWT: {"schema": {"type": "string"}}},
    },
    **NOT_MODIFIED,
}

_NO_STORE = {
    "description": "no-store: errors are not cached (RFC 6749 §5.1)",
    "required": True,
    "schema": {"type": "string", "pattern": "no-store"},
}
_BASIC_CHALLENGE = {
    "description": "The Basic challenge of the client authentication that failed (RFC 6749 §5.2)",
    "required": True,
    "schema": {"type": "string", "pattern": "^Basic realm="},
}
_BEARER_CHALLENGE = {
    "description": "The Bearer challenge, with the error code when a token was presented "
    "(RFC 6750 §3)",
    "required": True,
    "schema": {"type": "string", "pattern": "^Bearer realm="},
}
_RETRY_AFTER = {
    "description": "Seconds to wait before trying again (RFC 9110 §10.2.3)",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
}
_LOCATION = {
    "description": "Where the user agent goes next",
    "required": True,
    "schema": {"type": "string", "format": "uri-reference"},
}

OAUTH_ERROR_DESCRIPTIONS = {
    400: "invalid_request, invalid_grant, invalid_scope, invalid_target, unauthorized_client, "
    "unsupported_grant_type, authorization_pending, slow_down, expired_token, ... "
    "(RFC 6749 §5.2, RFC 8707 §2, RFC 8628 §3.5)",
    401: "invalid_client: client authentication failed (RFC 6749 §5.2)",
    403: "insufficient_scope (RFC 6750 §3.1)",
    413: "invalid_request: the request body is too large",
    500: "server_error, with no detail",
    503: "temporarily_unavailable: try again after Retry-After (RFC 6749 §4.1.2.1)",
}


def oauth_errors(*statuses: int) -> Responses:
    """JSON error bodies (RFC 6749 §5.2), ``Cache-Control: no-store``; a 401 also
    carries the Basic challenge. What ``idp.http.errors.render_json_error`` sends."""
    return {status: _oauth_error(status) for status in statuses}


def _oauth_error(status: int) -> dict[str, Any]:
    headers: dict[str, Any] = {"Cache-Control": _NO_STORE}
    if status == 401:
        headers["WWW-Authenticate"] = _BASIC_CHALLENGE
    if status == 503:
        headers["Retry-After"] = _RETRY_AFTER
    return {
        "description": OAUTH_ERROR_DESCRIPTIONS.get(status, "An OAuth error"),
        "headers": headers,
        "content": {JSON: {"schema": OAUTH_ERROR_SCHEMA}},
    }


def bearer_errors(*statuses: int) -> Responses:
    """A protected resource's errors (RFC 6750 §3.1). The 401 has no documented body:
    without a token there is none (§3.1), with a bad one it is an invalid_token JSON
    error, and OpenAPI cannot say "JSON or nothing"; its challenge is required."""
    responses: Responses = {}
    for status in statuses:
        if status == 401:
            responses[401] = {
                "description": "No access token, or an invalid one (invalid_token)",
                "headers": {"WWW-Authenticate": _BEARER_CHALLENGE},
            }
        elif status == 403:
            error = _oauth_error(403)
            error["headers"] = {**error["headers"], "WWW-Authenticate": _BEARER_CHALLENGE}
            responses[403] = error
        else:
            responses[status] = _oauth_error(status)
    return responses


PROBLEM_JSON = "application/problem+json"  # RFC 9457 §6.1
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 §3 problem details; its type may define extension members "
    "(urn:tessera:problem:invalid-field: field; urn:tessera:problem:cycle: cycle; "
    "urn:tessera:problem:invalid-policies: errors)",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "format": "uri-reference"},
    },
}
PROBLEM_DESCRIPTIONS = {
    400: "A malformed request: the body's member named in field, or a parameter",
    401: "No access token (no detail), or an invalid one (RFC 6750 §3.1)",
    403: "The access token lacks the scope (insufficient_scope, RFC 6750 §3.1)",
    404: "No such resource, or the body names one that does not exist",
    409: "A duplicate, a limit reached, or a cycle (the cycle member names it)",
    412: "If-Match names a version that is no longer the current one",
    413: "The request body is too large",
    415: "The request body must be application/json",
    422: "Well-formed, but cannot be done (every problem listed in errors)",
    428: "The change must be conditional: send If-Match",
    503: "The database cannot be reached: try again after Retry-After",
}


def problem_errors(*statuses: int) -> Responses:
    """RFC 9457 problems (``idp.http.problems.render_problem``), ``no-store``; a 401 or
    403 also carries the Bearer challenge, a 503 Retry-After."""
    return {status: _problem(status) for status in statuses}


def _problem(status: int) -> dict[str, Any]:
    headers: dict[str, Any] = {"Cache-Control": _NO_STORE}
    if status in (401, 403):
        headers["WWW-Authenticate"] = _BEARER_CHALLENGE
    if status == 503:
        headers["Retry-After"] = _RETRY_AFTER
    return {
        "description": PROBLEM_DESCRIPTIONS.get(status, "A problem (RFC 9457)"),
        "headers": headers,
        "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
    }


def json_body(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    """A JSON request body that the route reads itself (``idp.http.forms.json_object``)."""
    return {"requestBody": {"required": required, "content": {JSON: {"schema": schema}}}}


def html_errors(*statuses: int) -> Responses:
    """The error page of the browser endpoints (``error.html``), for errors that must
    not go to the redirect URI (RFC 6749 §4.1.2.1); a 503 also carries Retry-After."""
    return {status: _html_error(status) for status in statuses}


def _html_error(status: int) -> dict[str, Any]:
    headers: dict[str, Any] = {"Cache-Control": _NO_STORE}
    if status in (429, 503):
        headers["Retry-After"] = _RETRY_AFTER
    return {
        "description": "An error page (error.html) naming the error code",
        "headers": headers,
        "content": {HTML: {"schema": {"type": "string"}}},
    }


def html_page(description: str, status: int = 200) -> Responses:
    """A page for the user (login, consent, device code entry, done)."""
    return {
        status: {
            "description": description,
            "headers": {"Cache-Control": _NO_STORE},
            "content": {HTML: {"schema": {"type": "string"}}},
        }
    }


def throttled_page(description: str) -> Responses:
    """The form again with a "try again in N seconds", after too many failures
    (RFC 6585 §4, ``idp.authn.throttle``)."""
    page = html_page(description, 429)
    page[429]["headers"] = {**page[429]["headers"], "Retry-After": _RETRY_AFTER}
    return page


def redirect(status: int, description: str) -> Responses:
    """A redirect with ``Location`` (302 after GET, 303 after a form POST:
    ``idp.http.errors.redirect_to``)."""
    return {status: {"description": description, "headers": {"Location": _LOCATION}}}


def unavailable(*, html: bool = False) -> Responses:
    """503 with Retry-After, for when the database cannot be reached (RFC 7009 §2.2.1,
    RFC 9110 §15.6.4): the JSON error, or with ``html`` the error page."""
    return html_errors(503) if html else oauth_errors(503)


INTERACTION_REDIRECT = (
    "To the next step of the sign-in (/interaction/{sealed}), or to the client's "
    "redirect_uri with the code or an error (RFC 6749 §4.1.2, §4.1.2.1)"
)

AUTHORIZATION_REDIRECT = (
    "To the client's redirect_uri with code, state and iss (RFC 6749 §4.1.2, RFC 9207), "
    "or with error, error_description, state and iss (RFC 6749 §4.1.2.1); "
    "or to /interaction/{id} for login and consent"
)

# GET /jwks: route with response_class=Response, so that application/json is not claimed.
JWKS: Responses = {
    200: {
        "description": "The public signing keys, the next one included",
        "headers": {"ETag": _ETAG, "Cache-Control": _PUBLIC_CACHE},
        "content": {JWK_SET: {"schema": JWK_SET_SCHEMA}},
    },
    **NOT_MODIFIED,
}

# POST /introspect: the JSON answer (documented by the route) or, with
# Accept: application/token-introspection+jwt, a signed JWT (RFC 9701 §5).
INTROSPECTION: Responses = {
    200: {
        "description": "Token metadata (RFC 7662 §2.2), as JSON or as a JWT (RFC 9701)",
        "content": {INTROSPECTION_JWT: {"schema": {"type": "string"}}},
    }
}

# POST /revoke: route with response_class=Response; RFC 7009 §2.2 answers 200, no body.
REVOKED: Responses = {200: {"description": "Revoked, or the token was not valid (RFC 7009 §2.2)"}}


class DocumentedAuth(SecurityBase):
    """A security scheme for the OpenAPI document only. The endpoint reads and checks
    the credentials itself (``idp.oauth.client_auth``, ``idp.oauth.bearer``), so as a
    route dependency this does nothing and costs no thread."""

    def __init__(self, model: SecurityBaseModel, scheme_name: str) -> None:
        self.model = model
        self.scheme_name = scheme_name

    async def __call__(self) -> None:
        return None


CLIENT_SECRET_BASIC = DocumentedAuth(
    HTTPBaseModel(
        scheme="basic",
        description="client_secret_basic (RFC 6749 §2.3.1). Clients registered for "
        "client_secret_post or private_key_jwt send their credentials in the form instead.",
    ),
    "client_secret_basic",
)
BEARER_ACCESS_TOKEN = DocumentedAuth(
    HTTPBearerModel(bearerFormat="JWT", description="An access token (RFC 6750 §2.1, RFC 9068)"),
    "access_token",
)
# openapi_extra beside CLIENT_SECRET_BASIC (or BEARER_ACCESS_TOKEN) where the header is
# one way among others: credentials in the form (client_secret_post, private_key_jwt;
# RFC 6750 §2.2 access_token), or a public client's bare client_id. FastAPI appends this
# empty requirement to the one the dependency adds, which reads "Basic, or none of
# these schemes" (OpenAPI cannot describe form-borne credentials).
HEADER_OPTIONAL: dict[str, Any] = {"security": [{}]}
