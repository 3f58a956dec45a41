"""The UserInfo endpoint (OIDC Core §5.3): claims by scope for a valid access token."""

from __future__ import annotations

from typing import Any

from idp.authn.storage import UserStore
from idp.authz.claims import Target
from idp.errors import InsufficientScopeError, InvalidTokenError
from idp.oauth.storage import ClientStore
from idp.oauth.token_context import NoUserClaims, UserClaims
from idp.scope import OPENID, Scope


def userinfo_claims(
    access_token_claims: dict[str, Any],
    clients: ClientStore,
    users: UserStore,
    user_claims: UserClaims | None = None,
) -> dict[str, Any]:
    scopes = Scope.parse(str(access_token_claims.get("scope", "")))
    if OPENID not in scopes:
        # OIDC Core §5.3: UserInfo needs an access token obtained with scope openid.
        raise InsufficientScopeError("the access token lacks the openid scope")
    client = clients.load_client(str(access_token_claims.get("client_id")))
    if client is None:
        raise InvalidTokenError("the client of this access token no longer exists")
    user = users.load_user(str(access_token_claims["sub"]))
    if user is None or user.disabled:
        raise InvalidTokenError("the user of this access token is no longer active")
    claims = user.claims_for(scopes)
    mapped = (user_claims or NoUserClaims()).release(
        user.id, client.client_id, client.claim_mapping, scopes, Target.USERINFO
    )
    for name, value in mapped.items():
        claims.setdefault(name, value)
    return claims
