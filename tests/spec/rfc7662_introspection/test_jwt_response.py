"""RFC 9701: on ``Accept: application/token-introspection+jwt`` the introspection
response is a JWT signed by the server, addressed to the asking client."""

from __future__ import annotations

from typing import Any

import httpx
import jwt

from tests.support.relying_party import App, introspect, web_app
from tests.support.server import RunningIdp
from tests.support.sign_in import sign_in

JWT_TYPE = "token-introspection+jwt"
ACCEPT_JWT = {"Accept": f"application/{JWT_TYPE}"}


def introspection_jwt(idp: RunningIdp, app: App, token: str) -> httpx.Response:
    response = introspect(idp, app, token, headers=ACCEPT_JWT)
    assert response.status_code == 200, response.text
    return response


def verified(idp: RunningIdp, app: App, response_jwt: str) -> dict[str, Any]:
    """Signature with the /jwks RS256 key named by kid; iss and aud with PyJWT."""
    kid = jwt.get_unverified_header(response_jwt)["kid"]
    keys = httpx.get(f"{idp.base_url}/jwks", timeout=10).json()["keys"]
    [key] = [key for key in keys if key["kid"] == kid]
    claims: dict[str, Any] = jwt.decode(
        response_jwt,
        jwt.PyJWK(key).key,
        algorithms=["RS256"],
        issuer=idp.base_url,
        audience=app.client_id,
        options={"require": ["iss", "aud", "iat"]},
    )
    return claims


def test_jwt_response_has_its_media_type__rfc9701_s5(idp):
    app = web_app(idp)
    response = introspection_jwt(idp, app, sign_in(idp, app)["access_token"])
    assert response.headers["content-type"].startswith(f"application/{JWT_TYPE}")


def test_jwt_response_header_is_typed__rfc9701_s5(idp):
    app = web_app(idp)
    response = introspection_jwt(idp, app, sign_in(idp, app)["access_token"])
    header = jwt.get_unverified_header(response.text)
    assert header["typ"] == JWT_TYPE
    assert header["alg"] == "RS256"


def test_jwt_response_is_signed_for_the_caller__rfc9701_s5(idp):
    app = web_app(idp)
    response = introspection_jwt(idp, app, sign_in(idp, app)["access_token"])
    claims = verified(idp, app, response.text)
    assert claims["iss"] == idp.base_url
    assert claims["aud"] == app.client_id
    assert abs(claims["iat"] - idp.clock.now()) <= 5
    assert claims["token_introspection"]["active"] is True
    assert claims["token_introspection"]["client_id"] == app.client_id


def test_jwt_response_for_an_inactive_token__rfc9701_s5(idp):
    app = web_app(idp)
    response = introspection_jwt(idp, app, "an-opaque-token-never-issued")
    assert verified(idp, app, response.text)["token_introspection"] == {"active": False}
