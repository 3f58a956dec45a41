"""Checks shared by the spec tests: OAuth error bodies and JWTs verified against /jwks."""

from __future__ import annotations

from typing import Any

import httpx
import jwt

from tests.support.server import RunningIdp

ACCESS_TOKEN_TYP = "at+jwt"  # RFC 9068 §2.1
ACCESS_TOKEN_ALG = "ES256"


def assert_oauth_error(response: httpx.Response, error: str, status: int = 400) -> None:
    """RFC 6749 §5.2: a JSON error body with the given code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    assert response.json()["error"] == error, response.text


def jwks(idp: RunningIdp) -> dict[str, Any]:
    response = httpx.get(f"{idp.base_url}/jwks", timeout=10)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def verify_jwt(
    idp: RunningIdp, token: str, *, algorithm: str, audience: str | None = None
) -> dict[str, Any]:
    """Signature (key from /jwks by kid), iss and aud with PyJWT; iat and exp against
    the server's movable clock, since tests may have moved it."""
    kid = jwt.get_unverified_header(token)["kid"]
    [key] = [key for key in jwks(idp)["keys"] if key["kid"] == kid]
    claims: dict[str, Any] = jwt.decode(
        token,
        jwt.PyJWK(key).key,
        algorithms=[algorithm],
        issuer=idp.issuer,
        audience=audience,
        options={"verify_aud": audience is not None, "verify_exp": False, "verify_iat": False},
    )
    assert claims["iat"] <= idp.clock.now() < claims["exp"]
    return claims


def verify_access_token(idp: RunningIdp, token: str, audience: str | None = None) -> dict[str, Any]:
    """RFC 9068 §2.1, §4: typ at+jwt; Tessera signs access tokens with ES256."""
    header = jwt.get_unverified_header(token)
    assert header["typ"] == ACCESS_TOKEN_TYP
    assert header["alg"] == ACCESS_TOKEN_ALG
    return verify_jwt(idp, token, algorithm=ACCESS_TOKEN_ALG, audience=audience)
