"""Device authorizations and pushed authorization requests (implements
idp.oauth.storage.DeviceStore and idp.oauth.par.PushedRequestStore)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from idp.oauth.grants import DeviceAuthorization, DeviceStatus
from idp.scope import Scope
from idp.sessions.sso import SsoSession
from idp.store.database import affected_rows
from idp.store.models import DeviceAuthorizationRow, PushedRequestRow


def _to_device(row: DeviceAuthorizationRow) -> DeviceAuthorization:
    return DeviceAuthorization(
        client_id=row.client_id,
        user_code=row.user_code,
        scope=Scope.parse(row.scope),
        resources=tuple(row.resources),
        created_at=row.created_at,
        expires_at=row.expires_at,
        interval=row.interval,
        status=DeviceStatus(row.status),
        last_polled_at=row.last_polled_at,
        user_id=row.user_id,
        sid=row.sid,
    )


class DeviceQueries:
    session: Session

    def save_device_authorization(self, code_digest: str, auth: DeviceAuthorization) -> None:
        self.session.add(
            DeviceAuthorizationRow(
                device_code_digest=code_digest,
                **{
                    **auth.__dict__,
                    "scope": str(auth.scope),
                    "resources": list(auth.resources),
                    "status": auth.status.value,
                },
            )
        )
        self.session.flush()

    def load_device_authorization(self, code_digest: str) -> DeviceAuthorization | None:
        row = self.session.get(DeviceAuthorizationRow, code_digest, populate_existing=True)
        return _to_device(row) if row else None

    def load_device_authorization_by_user_code(
        self, user_code: str
    ) -> tuple[str, DeviceAuthorization] | None:
        row = self.session.scalar(
            select(DeviceAuthorizationRow).where(DeviceAuthorizationRow.user_code == user_code)
        )
        return (row.device_code_digest, _to_device(row)) if row else None

    def record_device_poll(self, code_digest: str, now: int, interval: int) -> None:
        self.session.execute(
            update(DeviceAuthorizationRow)
            .where(DeviceAuthorizationRow.device_code_digest == code_digest)
            .values(last_polled_at=now, interval=interval)
        )

    def decide_device_authorization(
        self, code_digest: str, status: DeviceStatus, session: SsoSession | None
    ) -> bool:
        values: dict[str, Any] = {"status": status.value}
        if session is not None:
            values |= {"user_id": session.user_id, "sid": session.sid}
        result = self.session.execute(
            update(DeviceAuthorizationRow)
            .where(
                DeviceAuthorizationRow.device_code_digest == code_digest,
                DeviceAuthorizationRow.status == DeviceStatus.PENDING.value,
            )
            .values(**values)
        )
        return affected_rows(result) > 0

    def redeem_device_authorization(self, code_digest: str) -> bool:
        result = self.session.execute(
            update(DeviceAuthorizationRow)
            .where(
                DeviceAuthorizationRow.device_code_digest == code_digest,
                DeviceAuthorizationRow.status == DeviceStatus.APPROVED.value,
            )
            .values(status=DeviceStatus.REDEEMED.value)
        )
        return affected_rows(result) > 0


class PushedRequestQueries:
    session: Session

    def save_pushed_request(
        self, uri_digest: str, client_id: str, parameters: dict[str, Any], expires_at: int
    ) -> None:
        self.session.add(
            PushedRequestRow(
                request_uri_digest=uri_digest,
                client_id=client_id,
                parameters=parameters,
                expires_at=expires_at,
            )
        )
        self.session.flush()

    def use_pushed_request(
        self, uri_digest: str, client_id: str, now: int
    ) -> dict[str, Any] | None:
        claimed = self.session.execute(
            update(PushedRequestRow)
            .where(
                PushedRequestRow.request_uri_digest == uri_digest,
                PushedRequestRow.client_id == client_id,
                PushedRequestRow.used_at.is_(None),
                PushedRequestRow.expires_at > now,
            )
            .values(used_at=now)
        )
        if not affected_rows(claimed):
            return None
        row = self.session.get(PushedRequestRow, uri_digest)
        return dict(row.parameters) if row else None
