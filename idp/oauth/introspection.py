"""Token introspection (RFC 7662), with the JWT response of RFC 9701.

Only confidential, authenticated clients may ask. A client learns about an access token
only if it is an intended audience of it or the client it was issued to; about a refresh
token only if it is its own. Everything else is ``{"active": false}`` (RFC 7662 §2.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idp.authz.cache import NotInMemory
from idp.authz.claims import Target
from idp.errors import InvalidClientError, InvalidTokenError
from idp.keys.jws import JwtSigner
from idp.keys.signing import Algorithm
from idp.oauth.bearer import verify_access_token
from idp.oauth.clients import Client
from idp.oauth.parameters import require
from idp.oauth.token_context import TokenContext
from idp.scope import Scope
from idp.secret import digest
from idp.sessions.sso import load_live_session

INACTIVE: dict[str, Any] = {"active": False}
JWT_RESPONSE_TYPE = "token-introspection+jwt"  # RFC 9701 §5
INTROSPECTED_CLAIMS = (
    "scope",
    "client_id",
    "sub",
    "aud",
    "iss",
    "exp",
    "iat",
    "jti",
    "sid",
    "act",
    "auth_time",
    "acr",
    "amr",
)


def served_from_memory(params: Mapping[str, str]) -> bool:
    """An access token (a JWT) introspected by a client using a shared secret needs only
    the key ring, the client cache and the revocation cache."""
    return params.get("token", "").count(".") == 2 and "client_assertion" not in params


def check_may_introspect(client: Client) -> None:
    if client.is_public:
        raise InvalidClientError("only authenticated clients may introspect tokens")


def introspect(params: Mapping[str, str], client: Client, ctx: TokenContext) -> dict[str, Any]:
    token = require(params, "token")
    if token.count(".") == 2:
        return introspect_access_token(token, client, ctx)
    return introspect_refresh_token(token, client, ctx)


def introspect_access_token(token: str, client: Client, ctx: TokenContext) -> dict[str, Any]:
    try:
        claims = verify_access_token(
            token,
            ctx.tokens.signer,
            issuer=ctx.tokens.issuer,
            audience=None,
            revocations=ctx.revocations,
            now=ctx.now,
        )
    except InvalidTokenError:
        return INACTIVE
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    concerned = {client.client_id, *client.resources} & set(audiences)
    if not concerned and claims.get("client_id") != client.client_id:
        return INACTIVE
    body = {"active": True, "token_type": "Bearer"}
    body.update({name: claims[name] for name in INTROSPECTED_CLAIMS if name in claims})
    for name, value in mapped_claims(claims, client, ctx).items():
        body.setdefault(name, value)
    return body


def mapped_claims(claims: dict[str, Any], client: Client, ctx: TokenContext) -> dict[str, Any]:
    """What the claim mapping of the token's client releases into introspection
    (idp.authz.claims), for a token issued to a user: the user's current roles, from
    the node's cache."""
    token_client_id = str(claims.get("client_id"))
    if claims.get("sub") == token_client_id:
        return {}  # client credentials: no user
    if token_client_id == client.client_id:
        token_client: Client | None = client
    elif ctx.in_memory:
        raise NotInMemory(token_client_id)  # another client's metadata: read it off the loop
    else:
        token_client = ctx.clients.load_client(token_client_id)
    if token_client is None or token_client.claim_mapping is None:
        return {}
    return ctx.user_claims.release(
        str(claims["sub"]),
        token_client_id,
        token_client.claim_mapping,
        Scope.parse(str(claims.get("scope", ""))),
        Target.INTROSPECTION,
        in_memory=ctx.in_memory,
    )


def introspect_refresh_token(token: str, client: Client, ctx: TokenContext) -> dict[str, Any]:
    stored = ctx.stores.load_refresh_token(digest(token))
    if (
        stored is None
        or stored.client_id != client.client_id
        or stored.revoked_at is not None
        or stored.rotated_at is not None
        or stored.expires_at <= ctx.now
    ):
        return INACTIVE
    if not stored.offline and not load_live_session(
        ctx.stores, ctx.session_policy, stored.sid, ctx.now
    ):
        return INACTIVE
    body = {
        "active": True,
        "token_type": "refresh_token",
        "scope": str(stored.scope),
        "client_id": stored.client_id,
        "sub": stored.user_id,
        "exp": stored.expires_at,
        "iat": stored.created_at,
    }
    if stored.sid:
        body["sid"] = stored.sid
    return body


def introspection_jwt(
    body: dict[str, Any], client: Client, signer: JwtSigner, issuer: str, now: int
) -> str:
    """RFC 9701 §5: the response as a JWT for the asking client."""
    claims = {"iss": issuer, "aud": client.client_id, "iat": now, "token_introspection": body}
    return signer.sign(claims, Algorithm.RS256, typ=JWT_RESPONSE_TYPE)
