"""Token revocation (RFC 7009).

Revoking a refresh token revokes its whole family and the access tokens issued with it;
revoking an access token records its ``jti`` until it would have expired. A token that
is unknown, invalid or already expired needs no revocation: the answer is 200 all the
same (RFC 7009 §2.2).
"""

from __future__ import annotations

from collections.abc import Mapping

from idp.errors import UnauthorizedClientError
from idp.keys.jws import TokenVerificationError
from idp.oauth.clients import Client
from idp.oauth.parameters import require
from idp.oauth.token_context import TokenContext
from idp.oauth.tokens import ACCESS_TOKEN_TYPE
from idp.revocation.events import Reason, client_actor
from idp.secret import digest


def revoke_token(params: Mapping[str, str], client: Client, ctx: TokenContext) -> None:
    token = require(params, "token")
    if token.count(".") == 2:
        revoke_presented_access_token(token, client, ctx)
        return
    stored = ctx.stores.load_refresh_token(digest(token))
    if stored is None:
        return
    check_issued_to(client, stored.client_id)
    ctx.revoker(client_actor(client.client_id)).revoke_refresh_family(
        stored.family_id,
        reason=Reason.TOKEN_REVOCATION,
        subject=stored.user_id,
        client_id=stored.client_id,
    )


def revoke_presented_access_token(token: str, client: Client, ctx: TokenContext) -> None:
    try:
        claims = ctx.tokens.signer.verify(token, typ=ACCESS_TOKEN_TYPE, issuer=ctx.tokens.issuer)
    except TokenVerificationError:
        return
    check_issued_to(client, str(claims.get("client_id")))
    ctx.revoker(client_actor(client.client_id)).revoke_access_token(
        str(claims["jti"]),
        int(claims["exp"]),
        reason=Reason.TOKEN_REVOCATION,
        subject=str(claims["sub"]),
        client_id=client.client_id,
    )


def check_issued_to(client: Client, token_client_id: str) -> None:
    # RFC 7009 §2.1: the server verifies the token was issued to the requesting client.
    if token_client_id != client.client_id:
        raise UnauthorizedClientError("the token was not issued to this client")
