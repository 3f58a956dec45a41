"""Token exchange for service-to-service delegation (RFC 8693).

A service holding a user's access token exchanges it for a token meant for another
service. The result names the acting party in ``act`` (delegation, RFC 8693 §4.1).
Without an actor token the exchanging client is the actor; a client flagged
``may_impersonate`` gets a token without ``act`` instead (impersonation). Which
audiences a client may exchange for is its ``exchange_audiences`` policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idp.authz.claims import Target
from idp.errors import InvalidRequestError, InvalidTargetError, InvalidTokenError
from idp.oauth.bearer import verify_access_token
from idp.oauth.clients import Client
from idp.oauth.parameters import require
from idp.oauth.token_context import TokenContext
from idp.oauth.token_response import bearer_response
from idp.oauth.tokens import Grant
from idp.scope import Scope

ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # RFC 8693 §3


def exchange_token(params: Mapping[str, str], client: Client, ctx: TokenContext) -> dict[str, Any]:
    requested_type = params.get("requested_token_type", ACCESS_TOKEN_TYPE)
    if requested_type != ACCESS_TOKEN_TYPE:
        raise InvalidRequestError("only access tokens can be requested")
    subject = verify_presented_token(params, "subject_token", ctx)
    actor = verify_presented_token(params, "actor_token", ctx) if "actor_token" in params else None
    targets = check_targets(params, client)
    # An exchanged token cannot carry more scope than its subject token (RFC 8693 §2.1).
    scope = Scope.parse(str(subject.get("scope", ""))).narrow(params.get("scope"))
    grant = Grant(
        client_id=client.client_id,
        subject=str(subject["sub"]),
        scope=scope,
        sid=subject.get("sid"),
        auth_time=subject.get("auth_time"),
        acr=subject.get("acr"),
        audience=targets,
        actor=actor_claim(client, subject, actor),
    )
    # A user's token: what the exchanging client's claim mapping releases (idp.authz).
    mapped = (
        ctx.user_claims.release(
            grant.subject, client.client_id, client.claim_mapping, scope, Target.ACCESS_TOKEN
        )
        if subject.get("sub") != subject.get("client_id")
        else {}
    )
    access = ctx.tokens.issue_access_token(grant, client, ctx.now, mapped)
    # RFC 8693 §2.2.1
    return {**bearer_response(access, scope, ctx.now), "issued_token_type": ACCESS_TOKEN_TYPE}


def verify_presented_token(
    params: Mapping[str, str], name: str, ctx: TokenContext
) -> dict[str, Any]:
    """RFC 8693 §2.1: the token and its type; we accept our own access tokens."""
    token = require(params, name)
    if require(params, f"{name}_type") != ACCESS_TOKEN_TYPE:
        raise InvalidRequestError(f"{name}_type must be {ACCESS_TOKEN_TYPE}")
    try:
        return verify_access_token(
            token,
            ctx.tokens.signer,
            issuer=ctx.tokens.issuer,
            audience=None,
            revocations=ctx.revocations,
            now=ctx.now,
        )
    except InvalidTokenError as exc:
        # RFC 8693 §2.2.2: an invalid subject or actor token is invalid_request.
        raise InvalidRequestError(f"{name} is invalid, expired or revoked") from exc


def check_targets(params: Mapping[str, str], client: Client) -> tuple[str, ...]:
    """RFC 8693 §2.1: audience (logical names) and resource (URIs) name the target."""
    targets = tuple(
        dict.fromkeys(params.get("audience", "").split() + params.get("resource", "").split())
    )
    if not targets:
        raise InvalidRequestError("audience or resource is required")
    refused = [target for target in targets if target not in client.exchange_audiences]
    if refused:
        raise InvalidTargetError(f"client may not exchange tokens for {' '.join(refused)}")
    return targets


def actor_claim(
    client: Client, subject: dict[str, Any], actor: dict[str, Any] | None
) -> dict[str, Any] | None:
    """RFC 8693 §4.1: the current actor, with prior actors nested inside."""
    if actor is None and client.may_impersonate:
        return None
    current: dict[str, Any] = {"sub": str(actor["sub"]) if actor else client.client_id}
    if subject.get("act"):
        current["act"] = subject["act"]
    return current
