"""The refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700
§4.14.2): every use returns a new refresh token; presenting one that was already
rotated revokes its family and ends the SSO session it belongs to (unless it is a
retry within the client's grace period: idp.oauth.refresh_replay)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from idp.authn.users import is_active_user
from idp.errors import InvalidGrantError
from idp.oauth.clients import Client
from idp.oauth.grants import RefreshToken
from idp.oauth.parameters import require
from idp.oauth.refresh_replay import keep_for_replay, replay
from idp.oauth.resources import check_resources
from idp.oauth.token_context import TokenContext
from idp.oauth.token_response import user_token_response
from idp.oauth.tokens import Grant
from idp.revocation.events import Reason
from idp.secret import digest
from idp.sessions.sso import load_live_session


def refresh_tokens(params: Mapping[str, str], client: Client, ctx: TokenContext) -> dict[str, Any]:
    token_digest = digest(require(params, "refresh_token"))
    stored = load_locked_refresh_token(token_digest, client, ctx)
    if stored.revoked_at is not None:
        raise InvalidGrantError("refresh token has been revoked")
    if stored.rotated_at is not None:
        return replay_or_refuse(token_digest, stored, client, ctx)
    if stored.expires_at <= ctx.now:
        raise InvalidGrantError("refresh token has expired")
    # RFC 6749 §6: the scope may be narrowed, never widened.
    scope = stored.scope.narrow(params.get("scope"))
    resources = check_resources(params, client)
    session_expires_at = check_still_granted(stored, ctx)
    if not ctx.stores.mark_refresh_token_rotated(token_digest, ctx.now):
        rotated = load_issued_refresh_token(token_digest, client, ctx)  # by another request
        return replay_or_refuse(token_digest, rotated, client, ctx)

    grant = Grant(
        client_id=client.client_id,
        subject=stored.user_id,
        scope=scope,
        sid=stored.sid,
        auth_time=stored.auth_time,
        acr=stored.acr,
        amr=stored.amr,
        audience=resources,
    )
    response, access, _family = user_token_response(
        grant,
        client,
        ctx,
        session_expires_at=session_expires_at,
        refresh_family_id=stored.family_id,
        # RFC 6749 §6: the new refresh token keeps the scope of the one it replaces.
        refresh_scope=stored.scope,
    )
    keep_for_replay(token_digest, response, access.expires_at, client, ctx)
    return response


def load_issued_refresh_token(token_digest: str, client: Client, ctx: TokenContext) -> RefreshToken:
    stored = ctx.stores.load_refresh_token(token_digest)
    if stored is None or stored.client_id != client.client_id:
        # RFC 6749 §6: bound to the client it was issued to.
        raise InvalidGrantError("refresh token is invalid")
    return stored


def load_locked_refresh_token(token_digest: str, client: Client, ctx: TokenContext) -> RefreshToken:
    """Before any write, concurrent uses of one token (or of one user's tokens) queue
    on the user's lock instead of deadlocking over the rows each one touches; once it
    is held, the token is read again, as the request before it left it."""
    stored = load_issued_refresh_token(token_digest, client, ctx)
    ctx.stores.lock_subject(stored.user_id)
    return load_issued_refresh_token(token_digest, client, ctx)


def check_still_granted(stored: RefreshToken, ctx: TokenContext) -> int | None:
    """The session a token is bound to (unless offline) and its user are still live;
    returns when that session ends."""
    ctx.tokens.check_not_suspended(stored.user_id, stored.client_id)
    session_expires_at = None
    if not stored.offline:
        session = load_live_session(
            ctx.stores, ctx.session_policy, stored.sid, ctx.now, activity=True
        )
        if session is None:
            raise InvalidGrantError("the session this refresh token belongs to has ended")
        session_expires_at = session.expires_at
    if not is_active_user(ctx.stores, stored.user_id):
        raise InvalidGrantError("the user of this refresh token is no longer active")
    return session_expires_at


def replay_or_refuse(
    token_digest: str, rotated: RefreshToken, client: Client, ctx: TokenContext
) -> dict[str, Any]:
    replayed = replay(token_digest, rotated, client, ctx)
    if replayed is None:
        detect_reuse(rotated, ctx)
    return replayed


def detect_reuse(stored: RefreshToken, ctx: TokenContext) -> NoReturn:
    """RFC 9700 §4.14.2: an already rotated token was presented. Revoke the family and
    end the session it belongs to, with every token it issued; then refuse."""
    revoker, reason = ctx.revoker(), Reason.REFRESH_TOKEN_REUSE
    holder = {"subject": stored.user_id, "client_id": stored.client_id}
    if stored.sid:  # the session's refresh tokens include the family's
        revoker.revoke_session(stored.sid, reason=reason, **holder)
    else:
        revoker.revoke_refresh_family(stored.family_id, reason=reason, **holder)
    raise InvalidGrantError("refresh token was already used")
