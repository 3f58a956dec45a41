"""The hot endpoints skip FastAPI's router (idp.http.direct_routes), so nothing that
the router or its dependencies would add may be relied on there. These tests keep the
shortcut honest: it serves exactly what the documented routes serve, and what every
response carries (the security headers, CORS) is ASGI middleware that sees it too."""

from __future__ import annotations

import pytest
from starlette.routing import Match

from idp.app import build_routes
from idp.config import Settings
from idp.http.headers import SECURITY_HEADERS
from idp.oauth.routes import DIRECT_ROUTES as OAUTH_DIRECT_ROUTES
from idp.oidc.routes import DIRECT_ROUTES as OIDC_DIRECT_ROUTES
from tests.support.client_requests import post_form
from tests.support.flows import register

DIRECT_ROUTES = OAUTH_DIRECT_ROUTES | OIDC_DIRECT_ROUTES


@pytest.mark.parametrize(("method", "path"), sorted(DIRECT_ROUTES))
def test_each_direct_route_is_the_documented_route_of_its_handler(method, path):
    app, handler = build_routes(Settings()), DIRECT_ROUTES[(method, path)]
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    assert any(route.matches(scope)[0] is Match.FULL for route in app.routes)
    assert app.url_path_for(handler.__name__) == path  # the route of that very handler
    operation = app.openapi()["paths"][path][method.lower()]
    assert operation["operationId"].startswith(f"{handler.__name__}_")


def test_token_and_introspection_carry_the_security_headers(idp):
    client, secret = register(idp, grant_types=["client_credentials"], scope="orders:read")
    auth = (client.client_id, secret)
    token = post_form(idp, "/token", {"grant_type": "client_credentials"}, auth=auth)
    introspection = post_form(
        idp, "/introspect", {"token": token.json()["access_token"]}, auth=auth
    )
    refused = post_form(idp, "/token", {"grant_type": "client_credentials"})
    for response in (token, introspection, refused):
        for name, value in SECURITY_HEADERS:
            assert response.headers[name.decode()] == value.decode(), response.url
