"""Building token responses (RFC 6749 §5.1) shared by the grants that act for a user."""

from __future__ import annotations

from typing import Any

from idp.authn.users import is_active_user
from idp.authz.claims import Target
from idp.errors import InvalidGrantError
from idp.oauth.clients import Client, GrantType
from idp.oauth.token_context import TokenContext
from idp.oauth.tokens import AccessToken, Grant
from idp.scope import OFFLINE_ACCESS, Scope
from idp.sessions.sso import SsoSession, load_live_session


def load_granting_session(ctx: TokenContext, sid: str | None) -> SsoSession:
    """The live SSO session a code or a device approval came from, of an active user:
    tokens end with the session and with the account."""
    session = load_live_session(ctx.stores, ctx.session_policy, sid, ctx.now) if sid else None
    if session is None or not is_active_user(ctx.stores, session.user_id):
        raise InvalidGrantError("the session or account that granted this has ended")
    return session


def offline_end(grant: Grant, ctx: TokenContext) -> int:
    """Offline access slides with each rotation, but not beyond a fixed time after the
    login it came from (IDP_OFFLINE_ACCESS_MAX_LIFETIME)."""
    return (grant.auth_time or ctx.now) + ctx.tokens.lifetimes.offline_access


def bearer_response(access: AccessToken, scope: Scope, now: int) -> dict[str, Any]:
    return {
        "access_token": access.token,
        "token_type": "Bearer",
        "expires_in": access.expires_at - now,
        "scope": str(scope),
    }


def user_token_response(
    grant: Grant,
    client: Client,
    ctx: TokenContext,
    *,
    nonce: str | None = None,
    session_expires_at: int | None,
    refresh_family_id: str | None = None,
    refresh_scope: Scope | None = None,
) -> tuple[dict[str, Any], AccessToken, str | None]:
    """Access token, refresh token (for clients with that grant; bound to the SSO session
    unless offline_access was granted), and what the response extensions add (the ID
    token, for scope openid).

    Returns the response, the access token and the refresh family id."""
    # Computed once per issuance, from the node's cache (idp.authz.cache).
    mapped = ctx.user_claims.release(
        grant.subject, client.client_id, client.claim_mapping, grant.scope, Target.ACCESS_TOKEN
    )
    access = ctx.tokens.issue_access_token(grant, client, ctx.now, mapped)
    response = bearer_response(access, grant.scope, ctx.now)
    family_id = None
    if GrantType.REFRESH_TOKEN in client.grant_types:
        scope = refresh_scope or grant.scope
        offline = OFFLINE_ACCESS in scope
        response["refresh_token"], record = ctx.tokens.issue_refresh_token(
            ctx.stores,
            Grant(**{**grant.__dict__, "scope": scope}),
            client,
            ctx.now,
            access_token=access,
            family_id=refresh_family_id,
            expires_at=offline_end(grant, ctx) if offline else session_expires_at,
            offline=offline,
        )
        family_id = record.family_id
    for extension in ctx.response_extensions:
        extension.extend(response, grant, client, access, nonce=nonce, now=ctx.now)
    return response, access, family_id
