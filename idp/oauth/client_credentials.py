"""The client credentials grant (RFC 6749 §4.4) with JWT access tokens (RFC 9068 §2.2:
``sub`` is the client) and resource indicators (RFC 8707).

The hot path of service-to-service traffic: the client comes from the in-memory cache,
and nothing here touches the database; the only real work is one signature."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idp.errors import UnauthorizedClientError
from idp.oauth.clients import Client
from idp.oauth.resources import check_resources
from idp.oauth.token_context import TokenContext
from idp.oauth.token_response import bearer_response
from idp.oauth.tokens import Grant
from idp.scope import USER_SCOPES


def issue_client_credentials_token(
    params: Mapping[str, str], client: Client, ctx: TokenContext
) -> dict[str, Any]:
    if client.is_public:
        # RFC 6749 §4.4: MUST only be used by confidential clients.
        raise UnauthorizedClientError("public clients cannot use client_credentials")
    # RFC 6749 §4.4.2: any non-user scope the client registered, by default all of them;
    # user scopes (openid, profile, ...) mean nothing without a user.
    scope = client.scope.without(*USER_SCOPES).narrow(params.get("scope"))
    grant = Grant(
        client_id=client.client_id,
        subject=client.client_id,
        scope=scope,
        audience=check_resources(params, client),
    )
    access = ctx.tokens.issue_access_token(grant, client, ctx.now)
    # RFC 6749 §4.4.3: a refresh token SHOULD NOT be included.
    return bearer_response(access, scope, ctx.now)
