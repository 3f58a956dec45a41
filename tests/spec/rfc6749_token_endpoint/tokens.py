"""Helpers for the token endpoint, UserInfo, client authentication and discovery specs:
signing in, posting to /token and /userinfo, OAuth error checks and JWT verification
against the server's /jwks."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx
import jwt

from idp.authn.users import User
from idp.oauth.clients import Client
from tests.support.assertions import (  # noqa: F401 (the folder's tests import them here)
    ACCESS_TOKEN_TYP,
    assert_oauth_error,
    jwks,
    verify_jwt,
)
from tests.support.assertions import verify_access_token as verify_signed_access_token
from tests.support.flows import code_flow, create_user, redeem
from tests.support.server import RunningIdp


def post_token(idp: RunningIdp, data: Any = None, **options: Any) -> httpx.Response:
    """POST to /token; ``options`` go to httpx as they are (auth, headers, content...)."""
    return httpx.post(f"{idp.base_url}/token", data=data, timeout=10, **options)


def sign_in(
    idp: RunningIdp, client: Client, user: User | None = None, **params: str
) -> tuple[str, str]:
    """Authorization with PKCE; returns (code, verifier)."""
    query, verifier = code_flow(idp, client, user or create_user(idp), **params)
    return query["code"], verifier


def issue_tokens(
    idp: RunningIdp,
    client: Client,
    secret: str | None = None,
    user: User | None = None,
    **params: str,
) -> dict[str, Any]:
    """Sign in and redeem the code; the token response as JSON."""
    code, verifier = sign_in(idp, client, user, **params)
    response = redeem(idp, client, code, verifier, secret)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def assert_invalid_client(response: httpx.Response) -> None:
    """RFC 6749 §5.2: invalid_client is 401 with a WWW-Authenticate challenge."""
    assert_oauth_error(response, "invalid_client", status=401)
    assert response.headers["www-authenticate"].startswith("Basic realm="), response.headers


def verify_access_token(idp: RunningIdp, token: str) -> dict[str, Any]:
    """RFC 9068 §4: for the default audience, the issuer."""
    return verify_signed_access_token(idp, token, audience=idp.base_url)


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


def userinfo(
    idp: RunningIdp, token: str | None = None, *, method: str = "GET", **options: Any
) -> httpx.Response:
    """Call /userinfo, with ``token`` (if any) as an Authorization: Bearer header."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, f"{idp.base_url}/userinfo", headers=headers, timeout=10, **options)
