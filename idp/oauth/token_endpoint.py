"""The token endpoint (RFC 6749 §3.2, §4.1.3; OIDC Core §3.1.3): authenticate the client,
then run the grant it asked for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from idp.authn.storage import UserStore
from idp.errors import InvalidGrantError, UnauthorizedClientError, UnsupportedGrantTypeError
from idp.keys.signing import Algorithm
from idp.oauth.client_auth import (
    AssertionAudience,
    authenticate_client,
    read_credentials,
)
from idp.oauth.clients import Client, GrantType
from idp.oauth.grants import AuthorizationCode, IssuedTokens
from idp.oauth.parameters import require
from idp.oauth.pkce import check_code_verifier
from idp.oauth.storage import AssertionStore, ClientStore, CodeStore, RefreshTokenStore
from idp.oauth.tokens import Grant, TokenIssuer
from idp.oidc.id_token import issue_id_token
from idp.secret import digest
from idp.sessions.storage import SessionStore


class TokenStores(
    ClientStore, AssertionStore, CodeStore, RefreshTokenStore, UserStore, SessionStore, Protocol
):
    """Everything the token endpoint reads or writes, in one transaction."""


@dataclass(frozen=True)
class TokenEndpointContext:
    stores: TokenStores
    tokens: TokenIssuer
    audience: AssertionAudience
    now: int


def handle_token_request(
    params: Mapping[str, str], authorization: str | None, ctx: TokenEndpointContext
) -> dict[str, Any]:
    grant_type = require(params, "grant_type")
    if grant_type != GrantType.AUTHORIZATION_CODE:
        raise UnsupportedGrantTypeError(f"grant_type {grant_type!r} is not supported")
    credentials = read_credentials(params, authorization)
    client = authenticate_client(ctx.stores, ctx.stores, credentials, ctx.audience, ctx.now)
    if GrantType.AUTHORIZATION_CODE not in client.grant_types:
        raise UnauthorizedClientError("client may not use this grant type")
    return exchange_authorization_code(params, client, ctx)


def exchange_authorization_code(
    params: Mapping[str, str], client: Client, ctx: TokenEndpointContext
) -> dict[str, Any]:
    code_digest = digest(require(params, "code"))
    code = load_redeemable_code(ctx.stores, code_digest, ctx.now)
    check_code_binding(code, client, params)
    check_code_verifier(params.get("code_verifier"), code.code_challenge)
    user = ctx.stores.load_user(code.user_id)
    if user is None or user.disabled:
        raise InvalidGrantError("the user of this code is no longer active")
    session = ctx.stores.load_session_by_sid(code.sid)
    if session is None or session.expires_at <= ctx.now:
        raise InvalidGrantError("the session that authorized this code has ended")
    if not ctx.stores.mark_code_used(code_digest, ctx.now):
        ctx.stores.revoke_code_grant(code_digest, ctx.now)  # lost a race with another use
        raise InvalidGrantError("authorization code was already used")

    grant = Grant(
        client_id=client.client_id,
        user_id=code.user_id,
        scope=code.scope,
        sid=code.sid,
        auth_time=code.auth_time,
        acr=code.acr,
        amr=tuple(code.amr),
    )
    access = ctx.tokens.issue_access_token(grant, ctx.now)
    response: dict[str, Any] = {
        "access_token": access.token,
        "token_type": "Bearer",
        "expires_in": access.expires_at - ctx.now,
        "scope": code.scope,
    }
    family_id = None
    if GrantType.REFRESH_TOKEN in client.grant_types:
        response["refresh_token"], family_id = ctx.tokens.issue_refresh_token(
            ctx.stores, grant, ctx.now, session.expires_at
        )
    if "openid" in code.scope.split():
        response["id_token"] = issue_id_token(
            ctx.tokens.signer,
            grant,
            issuer=ctx.tokens.issuer,
            alg=Algorithm(client.id_token_signed_response_alg),
            nonce=code.nonce,
            access_token=access.token,
            now=ctx.now,
            lifetime=ctx.tokens.lifetimes.id_token,
        )
    ctx.stores.record_issued_tokens(
        code_digest, IssuedTokens(access.jti, access.expires_at, family_id)
    )
    return response


def load_redeemable_code(store: CodeStore, code_digest: str, now: int) -> AuthorizationCode:
    code = store.load_code(code_digest)
    if code is None:
        raise InvalidGrantError("authorization code is invalid")
    if code.used_at is not None:
        # RFC 6749 §4.1.2: a reused code SHOULD revoke the tokens issued from it.
        store.revoke_code_grant(code_digest, now)
        raise InvalidGrantError("authorization code was already used")
    if code.expires_at <= now:
        raise InvalidGrantError("authorization code has expired")
    return code


def check_code_binding(code: AuthorizationCode, client: Client, params: Mapping[str, str]) -> None:
    # RFC 6749 §4.1.3: issued to this client, with the identical redirect_uri.
    if code.client_id != client.client_id:
        raise InvalidGrantError("authorization code was issued to another client")
    if params.get("redirect_uri") != code.redirect_uri:
        raise InvalidGrantError("redirect_uri does not match the authorization request")
