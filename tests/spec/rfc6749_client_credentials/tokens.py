"""Token endpoint helpers shared by the client credentials, device and token exchange
specs: form posts, OAuth error checks and JWT verification against /jwks."""

from __future__ import annotations

from typing import Any

import httpx
import jwt

from idp.oauth.clients import Client
from tests.support.server import RunningIdp

ACCESS_TOKEN_TYP = "at+jwt"  # RFC 9068 §2.1
ACCESS_TOKEN_ALG = "ES256"


def post_form(
    idp: RunningIdp, path: str, data: dict[str, Any], auth: tuple[str, str] | None = None
) -> httpx.Response:
    """POST a form; list values repeat the parameter. None values are left out."""
    form = {name: value for name, value in data.items() if value is not None}
    return httpx.post(f"{idp.base_url}{path}", data=form, auth=auth, timeout=10)


def client_auth(client: Client, secret: str | None) -> tuple[str, str] | None:
    """HTTP Basic for confidential clients; public clients send client_id in the form."""
    return (client.client_id, secret) if secret else None


def token_request(
    idp: RunningIdp, client: Client, secret: str | None, **data: Any
) -> httpx.Response:
    if secret is None:
        data.setdefault("client_id", client.client_id)
    return post_form(idp, "/token", data, client_auth(client, secret))


def client_credentials(idp: RunningIdp, client: Client, secret: str, **data: Any) -> httpx.Response:
    return token_request(idp, client, secret, grant_type="client_credentials", **data)


def assert_oauth_error(response: httpx.Response, error: str, status: int = 400) -> None:
    """RFC 6749 §5.2: a JSON error body with the given code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    assert response.json()["error"] == error, response.text


def verify_jwt(
    idp: RunningIdp, token: str, *, algorithm: str, audience: str | None = None
) -> dict[str, Any]:
    """Signature (key from /jwks), iss and aud with PyJWT; iat and exp against the
    server's movable clock, since tests may have moved it."""
    jwks = jwt.PyJWKClient(f"{idp.base_url}/jwks")
    claims: dict[str, Any] = jwt.decode(
        token,
        jwks.get_signing_key_from_jwt(token).key,
        algorithms=[algorithm],
        issuer=idp.base_url,
        audience=audience,
        options={"verify_aud": audience is not None, "verify_exp": False, "verify_iat": False},
    )
    assert claims["iat"] <= idp.clock.now() < claims["exp"]
    return claims


def verify_access_token(idp: RunningIdp, token: str, audience: str | None = None) -> dict[str, Any]:
    """RFC 9068 §2.1: typ at+jwt; Tessera signs access tokens with ES256."""
    header = jwt.get_unverified_header(token)
    assert header["typ"] == ACCESS_TOKEN_TYP
    assert header["alg"] == ACCESS_TOKEN_ALG
    return verify_jwt(idp, token, algorithm=ACCESS_TOKEN_ALG, audience=audience)
