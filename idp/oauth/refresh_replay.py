"""The refresh-token grace period (RFC 9700 §4.14.2 leaves the trade-off to the server):
a client that retries a refresh after losing the response presents the token it just
rotated. Within the client's ``refresh_token_grace_period`` that retry gets the same
new tokens, sealed with the rotated row, instead of counting as theft; once the new
refresh token has itself been used, or the period is over, it is reuse again."""

from __future__ import annotations

import json
from typing import Any

from idp.oauth.clients import Client
from idp.oauth.grants import RefreshToken
from idp.oauth.token_context import TokenContext
from idp.sealing import UnsealError
from idp.secret import digest


def keep_for_replay(
    token_digest: str,
    response: dict[str, Any],
    access_expires_at: int,
    client: Client,
    ctx: TokenContext,
) -> None:
    if not client.refresh_token_grace_period:
        return
    plain = json.dumps({"response": response, "access_expires_at": access_expires_at})
    sealed = ctx.replay_sealer.seal(plain.encode(), token_digest.encode())
    ctx.stores.save_refresh_replay(token_digest, sealed)


def replay(
    token_digest: str, stored: RefreshToken, client: Client, ctx: TokenContext
) -> dict[str, Any] | None:
    """The response the rotation of ``stored`` gave, if it may be given again."""
    grace = client.refresh_token_grace_period
    if (
        not grace
        or stored.replay_response is None
        or stored.rotated_at is None
        or stored.revoked_at is not None
        or ctx.now - stored.rotated_at > grace
    ):
        return None
    try:
        plain = ctx.replay_sealer.open(stored.replay_response, token_digest.encode())
    except UnsealError:
        return None
    kept = json.loads(plain)
    response: dict[str, Any] = kept["response"]
    successor = ctx.stores.load_refresh_token(digest(response["refresh_token"]))
    if successor is None or successor.rotated_at is not None or successor.revoked_at is not None:
        return None  # the client has moved on: this is not a retry
    return {**response, "expires_in": max(0, kept["access_expires_at"] - ctx.now)}
