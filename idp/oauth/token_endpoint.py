"""The token endpoint (RFC 6749 §3.2): authenticate the client, then run the grant it
asked for. Each grant lives in its own module; this one only dispatches."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from idp.errors import UnauthorizedClientError, UnsupportedGrantTypeError
from idp.oauth.authorization_code import exchange_authorization_code
from idp.oauth.client_auth import PresentedCredentials, authenticate_client
from idp.oauth.client_credentials import issue_client_credentials_token
from idp.oauth.clients import Client, GrantType
from idp.oauth.device import exchange_device_code
from idp.oauth.parameters import require
from idp.oauth.refresh import refresh_tokens
from idp.oauth.token_context import TokenContext
from idp.oauth.token_exchange import exchange_token

GrantHandler = Callable[[Mapping[str, str], Client, TokenContext], dict[str, Any]]


def authenticate(presented: PresentedCredentials, ctx: TokenContext) -> Client:
    return authenticate_client(
        ctx.clients, ctx.stores, presented.read(), ctx.assertion_audience, ctx.now
    )


def served_from_memory(params: Mapping[str, str]) -> bool:
    """Client credentials with a shared secret needs only the client cache and one
    signature: no storage, so the endpoint may run it without a worker thread."""
    return (
        params.get("grant_type") == GrantType.CLIENT_CREDENTIALS
        and "client_assertion" not in params
    )


def handle_token_request(presented: PresentedCredentials, ctx: TokenContext) -> dict[str, Any]:
    params = presented.params
    grant_type = require(params, "grant_type")
    handler = GRANT_HANDLERS.get(grant_type)
    if handler is None:
        raise UnsupportedGrantTypeError(f"grant_type {grant_type!r} is not supported")
    client = authenticate(presented, ctx)
    if grant_type not in client.grant_types:
        # RFC 6749 §5.2
        raise UnauthorizedClientError("client may not use this grant type")
    return handler(params, client, ctx)


GRANT_HANDLERS: dict[str, GrantHandler] = {
    GrantType.AUTHORIZATION_CODE: exchange_authorization_code,
    GrantType.REFRESH_TOKEN: refresh_tokens,
    GrantType.CLIENT_CREDENTIALS: issue_client_credentials_token,
    GrantType.DEVICE_CODE: exchange_device_code,
    GrantType.TOKEN_EXCHANGE: exchange_token,
}
