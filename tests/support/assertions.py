"""Checks shared by the spec tests: OAuth error bodies, and JWTs verified against /jwks
(or read without verifying)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx
import jwt

from idp.oauth.clients import Client
from tests.support.server import RunningIdp

ACCESS_TOKEN_TYP = "at+jwt"  # RFC 9068 §2.1
ACCESS_TOKEN_ALG = "ES256"


def assert_oauth_error(response: httpx.Response, error: str, status: int = 400) -> None:
    """RFC 6749 §5.2: a JSON error body with the given code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    assert response.json()["error"] == error, response.text


def assert_invalid_client(response: httpx.Response) -> None:
    """RFC 6749 §5.2: invalid_client is 401 with a WWW-Authenticate challenge."""
    assert_oauth_error(response, "invalid_client", status=401)
    assert response.headers["www-authenticate"].startswith("Basic realm="), response.headers


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


def verify_id_token(
    idp: RunningIdp, token: str, client: Client, algorithm: str = "RS256"
) -> dict[str, Any]:
    """OIDC Core §3.1.3.7: signature, iss, aud = client_id, iat <= now < exp."""
    assert jwt.get_unverified_header(token)["alg"] == algorithm
    return verify_jwt(idp, token, algorithm=algorithm, audience=client.client_id)


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: base64url of the left half of SHA-256 of the ASCII token."""
    half = hashlib.sha256(access_token.encode("ascii")).digest()[:16]
    return base64.urlsafe_b64encode(half).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, Any]:
    """The payload of a JWT, unverified (for lifetimes, scope, auth_time)."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims
