"""Token revocation (RFC 7009).

Revoking a refresh token revokes its whole family and the access tokens issued with it;
revoking an access token records its ``jti`` until it would have expired. A token that
is unknown, invalid or already expired needs no revocation: the answer is 200 all the
same (RFC 7009 §2.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from idp.errors import UnauthorizedClientError
from idp.keys.jws import JwtSigner, TokenVerificationError
from idp.oauth.clients import Client
from idp.oauth.parameters import require
from idp.oauth.storage import RefreshTokenStore
from idp.oauth.tokens import ACCESS_TOKEN_TYPE
from idp.revocation.cache import RevocationCache
from idp.revocation.revoke import (
    FamilyRevocationStore,
    revoke_access_token,
    revoke_refresh_family,
)
from idp.secret import digest

REASON = "rfc7009_revocation"


class TokenRevocationStores(RefreshTokenStore, FamilyRevocationStore, Protocol):
    pass


def revoke_token(
    params: Mapping[str, str],
    client: Client,
    *,
    signer: JwtSigner,
    issuer: str,
    revocations: RevocationCache,
    stores: TokenRevocationStores,
    now: int,
) -> None:
    token = require(params, "token")
    if token.count(".") == 2:
        revoke_presented_access_token(token, client, signer, issuer, revocations, stores, now)
        return
    stored = stores.load_refresh_token(digest(token))
    if stored is None:
        return
    check_issued_to(client, stored.client_id)
    revoke_refresh_family(stores, revocations, stored.family_id, reason=REASON, now=now)


def revoke_presented_access_token(
    token: str,
    client: Client,
    signer: JwtSigner,
    issuer: str,
    revocations: RevocationCache,
    stores: TokenRevocationStores,
    now: int,
) -> None:
    try:
        claims = signer.verify(token, typ=ACCESS_TOKEN_TYPE, issuer=issuer)
    except TokenVerificationError:
        return
    check_issued_to(client, str(claims.get("client_id")))
    revoke_access_token(
        stores, revocations, str(claims["jti"]), int(claims["exp"]), reason=REASON, now=now
    )


def check_issued_to(client: Client, token_client_id: str) -> None:
    # RFC 7009 §2.1: the server verifies the token was issued to the requesting client.
    if token_client_id != client.client_id:
        raise UnauthorizedClientError("the token was not issued to this client")
