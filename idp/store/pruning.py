"""Deleting what can no longer matter, so tables do not grow without bound.

A row goes when nothing could still use it: pushed requests, device
authorizations and client-assertion ids past their expiry; SSO sessions past their
absolute or idle timeout; revocations once the last token they cover has expired;
refresh tokens past their expiry; authorization codes once unused and expired, or used
and with every token they produced expired (so a replay can still revoke them until
then); outbox deliveries a week after they were delivered (failed ones stay, listed by
`idp deliveries list`); mailed links past their expiry. Security events are kept for
the event stream.
"""

from __future__ import annotations

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.orm import Session

from idp.revocation.records import MAX_TOKEN_LIFETIME
from idp.store.database import affected_rows
from idp.store.models import (
    AuthorizationCodeRow,
    ClientAssertionRow,
    DeliveryRow,
    DeviceAuthorizationRow,
    MailLinkRow,
    PushedRequestRow,
    RefreshTokenRow,
    RememberedDeviceRow,
    RevocationRow,
    SsoSessionRow,
    StatusBlockRow,
    StatusListRow,
    WebAuthnChallengeRow,
)

DELIVERED_KEPT_FOR = 7 * 86400  # s: long enough to see what was sent, in `idp deliveries`


def prune(session: Session, now: int, idle_timeout: int, *, leeway: int = 0) -> dict[str, int]:
    """Delete dead rows; returns how many went, per table. Codes are redeemable until
    ``leeway`` seconds after they expire, and so are kept that long."""
    live_family_token = exists(
        select(RefreshTokenRow.token_digest).where(
            RefreshTokenRow.family_id == AuthorizationCodeRow.refresh_family_id,
            RefreshTokenRow.expires_at > now,
        )
    )
    statements = {
        "pushed_requests": delete(PushedRequestRow).where(PushedRequestRow.expires_at <= now),
        "device_authorizations": delete(DeviceAuthorizationRow).where(
            DeviceAuthorizationRow.expires_at <= now
        ),
        "client_assertions": delete(ClientAssertionRow).where(ClientAssertionRow.expires_at <= now),
        "sso_sessions": delete(SsoSessionRow).where(
            or_(
                SsoSessionRow.expires_at <= now,
                SsoSessionRow.last_seen_at <= now - idle_timeout,
            )
        ),
        "remembered_devices": delete(RememberedDeviceRow).where(
            RememberedDeviceRow.expires_at <= now
        ),
        "revocations": delete(RevocationRow).where(RevocationRow.prune_after <= now),
        "authorization_codes": delete(AuthorizationCodeRow).where(
            AuthorizationCodeRow.expires_at <= now - leeway,
            or_(
                AuthorizationCodeRow.used_at.is_(None),
                and_(
                    or_(
                        AuthorizationCodeRow.access_token_expires_at.is_(None),
                        AuthorizationCodeRow.access_token_expires_at <= now,
                    ),
                    ~live_family_token,
                ),
            ),
        ),
        "refresh_tokens": delete(RefreshTokenRow).where(RefreshTokenRow.expires_at <= now),
        "status_lists": delete(StatusListRow).where(
            StatusListRow.full,
            StatusListRow.last_expiry <= now - leeway,
            ~exists(
                select(StatusBlockRow.block).where(
                    StatusBlockRow.list_id == StatusListRow.id,
                    StatusBlockRow.leased_until > now - MAX_TOKEN_LIFETIME,
                )
            ),
        ),
        "webauthn_challenges": delete(WebAuthnChallengeRow).where(
            WebAuthnChallengeRow.expires_at <= now
        ),
        "mail_links": delete(MailLinkRow).where(MailLinkRow.expires_at <= now),
        "deliveries": delete(DeliveryRow).where(
            DeliveryRow.delivered_at <= now - DELIVERED_KEPT_FOR
        ),
    }
    return {
        table: affected_rows(
            session.execute(statement, execution_options={"synchronize_session": False})
        )
        for table, statement in statements.items()
    }
