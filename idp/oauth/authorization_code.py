"""The authorization code grant at the token endpoint (RFC 6749 §4.1.3, OIDC Core
§3.1.3, RFC 7636 §4.6)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idp.errors import InvalidGrantError, InvalidTargetError
from idp.oauth.clients import Client
from idp.oauth.grants import AuthorizationCode, IssuedTokens
from idp.oauth.parameters import require
from idp.oauth.pkce import check_code_verifier
from idp.oauth.resources import check_resources
from idp.oauth.token_context import TokenContext
from idp.oauth.token_response import load_granting_session, user_token_response
from idp.oauth.tokens import session_grant
from idp.revocation.events import Reason
from idp.secret import digest


def exchange_authorization_code(
    params: Mapping[str, str], client: Client, ctx: TokenContext
) -> dict[str, Any]:
    code_digest = digest(require(params, "code"))
    code = load_redeemable_code(code_digest, ctx)
    check_code_binding(code, client, params)
    check_code_verifier(params.get("code_verifier"), code.code_challenge)
    resources = check_granted_resources(check_resources(params, client), code.resources)
    session = load_granting_session(ctx, code.sid)
    ctx.tokens.check_not_suspended(code.user_id, client.client_id)
    if not ctx.stores.mark_code_used(code_digest, ctx.now):
        take_back(code_digest, code, ctx)  # lost a race with another use of the same code
        raise InvalidGrantError("authorization code was already used")

    grant = session_grant(session, client.client_id, code.scope, resources, acr=code.acr)
    response, access, family_id = user_token_response(
        grant, client, ctx, nonce=code.nonce, session_expires_at=session.expires_at
    )
    ctx.stores.record_issued_tokens(
        code_digest, IssuedTokens(access.jti, access.expires_at, family_id)
    )
    return response


def load_redeemable_code(code_digest: str, ctx: TokenContext) -> AuthorizationCode:
    code = ctx.stores.load_code(code_digest)
    if code is None:
        raise InvalidGrantError("authorization code is invalid")
    if code.used_at is not None:
        # RFC 6749 §4.1.2: a reused code SHOULD revoke the tokens issued from it.
        take_back(code_digest, code, ctx)
        raise InvalidGrantError("authorization code was already used")
    # A code issued by another node may carry that node's clock: IDP_CLOCK_LEEWAY.
    if code.expires_at + ctx.leeway <= ctx.now:
        raise InvalidGrantError("authorization code has expired")
    return code


def check_granted_resources(
    requested: tuple[str, ...], granted: tuple[str, ...]
) -> tuple[str, ...]:
    """RFC 8707 §2.2: at the token endpoint, within what the authorization request named;
    with none named again, the token is for all of those."""
    if granted and not set(requested) <= set(granted):
        raise InvalidTargetError("resource was not part of the authorization request")
    return requested or granted


def check_code_binding(code: AuthorizationCode, client: Client, params: Mapping[str, str]) -> None:
    # RFC 6749 §4.1.3: issued to this client, with the identical redirect_uri.
    if code.client_id != client.client_id:
        raise InvalidGrantError("authorization code was issued to another client")
    if params.get("redirect_uri") != code.redirect_uri:
        raise InvalidGrantError("redirect_uri does not match the authorization request")


def take_back(code_digest: str, code: AuthorizationCode, ctx: TokenContext) -> None:
    """RFC 6749 §4.1.2: what the first redemption of a replayed code issued."""
    issued = ctx.stores.take_back_code_grant(code_digest)
    if issued is None:
        return
    revoker, holder = ctx.revoker(), {"subject": code.user_id, "client_id": code.client_id}
    reason = Reason.AUTHORIZATION_CODE_REUSE
    revoker.revoke_access_token(
        issued.access_token_jti, issued.access_token_expires_at, reason=reason, **holder
    )
    if issued.refresh_family_id:
        revoker.revoke_refresh_family(issued.refresh_family_id, reason=reason, **holder)
