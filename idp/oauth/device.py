"""The device authorization grant (RFC 8628).

The device asks for a device code and a short user code; the user types the user code
on a second screen, signs in and consents; meanwhile the device polls the token
endpoint, no faster than the interval it was given.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from idp.errors import (
    AccessDeniedError,
    AuthorizationPendingError,
    ExpiredTokenError,
    InvalidGrantError,
    SlowDownError,
    UnauthorizedClientError,
)
from idp.oauth.authorization import check_scope
from idp.oauth.clients import Client, GrantType
from idp.oauth.grants import DeviceAuthorization, DeviceStatus
from idp.oauth.parameters import require
from idp.oauth.resources import check_resources
from idp.oauth.storage import DeviceStore
from idp.oauth.token_context import TokenContext
from idp.oauth.token_response import load_granting_session, user_token_response
from idp.oauth.tokens import session_grant
from idp.secret import digest, new_token

# RFC 8628 §6.1: 20 consonants, no vowels (no words), no look-alikes; 8 characters give
# 20^8 ≈ 2^34.6 codes, shown as XXXX-XXXX.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
USER_CODE_LENGTH = 8
DEVICE_CODE_TTL = 600
POLL_INTERVAL = 5
SLOW_DOWN_STEP = 5  # RFC 8628 §3.5: add 5 seconds after slow_down


def start_device_authorization(
    store: DeviceStore, params: Mapping[str, str], client: Client, now: int
) -> tuple[str, DeviceAuthorization]:
    """RFC 8628 §3.1-3.2: a device code (returned) and its stored authorization."""
    if GrantType.DEVICE_CODE not in client.grant_types:
        raise UnauthorizedClientError("client may not use the device authorization grant")
    device_code = new_token()
    auth = DeviceAuthorization(
        client_id=client.client_id,
        user_code=new_user_code(),
        scope=check_scope(params, client),
        resources=check_resources(params, client),
        created_at=now,
        expires_at=now + DEVICE_CODE_TTL,
        interval=POLL_INTERVAL,
    )
    store.save_device_authorization(digest(device_code), auth)
    return device_code, auth


def device_authorization_response(
    device_code: str, auth: DeviceAuthorization, verification_uri: str, now: int
) -> dict[str, Any]:
    """RFC 8628 §3.2."""
    return {
        "device_code": device_code,
        "user_code": format_user_code(auth.user_code),
        "verification_uri": verification_uri,
        "verification_uri_complete": f"{verification_uri}?user_code={auth.user_code}",
        "expires_in": auth.expires_at - now,
        "interval": auth.interval,
    }


def new_user_code() -> str:
    return "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))


def normalize_user_code(typed: str) -> str | None:
    """RFC 8628 §6.1: case-insensitive, separators ignored; None if it cannot be a code."""
    code = "".join(ch for ch in typed.upper() if ch.isalnum())
    if len(code) != USER_CODE_LENGTH or not set(code) <= set(USER_CODE_ALPHABET):
        return None
    return code


def format_user_code(code: str) -> str:
    half = USER_CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def exchange_device_code(
    params: Mapping[str, str], client: Client, ctx: TokenContext
) -> dict[str, Any]:
    """RFC 8628 §3.4-3.5: the device polls for its tokens."""
    stores = ctx.stores
    code_digest = digest(require(params, "device_code"))
    auth = stores.load_device_authorization(code_digest)
    if auth is None or auth.client_id != client.client_id:
        raise InvalidGrantError("device_code is invalid")
    if auth.status is DeviceStatus.REDEEMED:
        raise InvalidGrantError("device_code was already used")
    if auth.expires_at <= ctx.now:
        raise ExpiredTokenError("the device code has expired")
    check_poll_rate(stores, code_digest, auth, ctx.now)
    if auth.status is DeviceStatus.DENIED:
        raise AccessDeniedError("the user denied the request")
    if auth.status is DeviceStatus.PENDING:
        raise AuthorizationPendingError("the user has not finished yet")
    return issue_device_tokens(stores, code_digest, auth, client, ctx)


def check_poll_rate(
    store: DeviceStore, code_digest: str, auth: DeviceAuthorization, now: int
) -> None:
    too_fast = auth.last_polled_at is not None and now - auth.last_polled_at < auth.interval
    interval = auth.interval + SLOW_DOWN_STEP if too_fast else auth.interval
    store.record_device_poll(code_digest, now, interval)
    if too_fast:
        raise SlowDownError(f"poll no more often than every {interval} seconds")


def issue_device_tokens(
    store: DeviceStore,
    code_digest: str,
    auth: DeviceAuthorization,
    client: Client,
    ctx: TokenContext,
) -> dict[str, Any]:
    session = load_granting_session(ctx, auth.sid)
    ctx.tokens.check_not_suspended(session.user_id, client.client_id)
    if not store.redeem_device_authorization(code_digest):
        raise InvalidGrantError("device_code was already used")
    grant = session_grant(session, client.client_id, auth.scope, auth.resources)
    response, _access, _family = user_token_response(
        grant, client, ctx, session_expires_at=session.expires_at
    )
    return response
