"""Token endpoint helpers shared by the client credentials, device and token exchange
specs: form posts, OAuth error checks and JWT verification against /jwks."""

from __future__ import annotations

from typing import Any

import httpx

from idp.oauth.clients import Client
from tests.support.assertions import (  # noqa: F401 (the folder's tests import them here)
    ACCESS_TOKEN_ALG,
    ACCESS_TOKEN_TYP,
    assert_oauth_error,
    verify_access_token,
    verify_jwt,
)
from tests.support.server import RunningIdp


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
