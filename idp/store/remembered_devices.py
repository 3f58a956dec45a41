"""Remembered devices (implements idp.authn.storage.RememberedDeviceStore)."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from idp.authn.risk import RememberedDevice
from idp.store.database import affected_rows
from idp.store.models import RememberedDeviceRow


class RememberedDeviceQueries:
    session: Session

    def load_remembered_device(self, user_id: str, device_digest: str) -> RememberedDevice | None:
        row = self.session.get(RememberedDeviceRow, (user_id, device_digest))
        return _device(row) if row else None

    def save_remembered_device(self, user_id: str, device: RememberedDevice) -> None:
        self.session.add(
            RememberedDeviceRow(
                user_id=user_id,
                device_digest=device.device_digest,
                user_agent=device.user_agent,
                networks=list(device.networks),
                created_at=device.created_at,
                last_used_at=device.last_used_at,
                expires_at=device.expires_at,
            )
        )
        self.session.flush()

    def update_remembered_device(
        self, user_id: str, device_digest: str, networks: tuple[str, ...], now: int
    ) -> None:
        row = RememberedDeviceRow
        self.session.execute(
            update(row)
            .where(row.user_id == user_id, row.device_digest == device_digest)
            .values(networks=list(networks), last_used_at=now)
        )

    def list_remembered_devices(self, user_id: str, now: int) -> list[RememberedDevice]:
        row = RememberedDeviceRow
        rows = self.session.scalars(
            select(row)
            .where(row.user_id == user_id, row.expires_at > now)
            .order_by(row.last_used_at.desc(), row.device_digest)
        )
        return [_device(found) for found in rows]

    def forget_remembered_devices(self, user_id: str, device_digest: str | None = None) -> int:
        query = delete(RememberedDeviceRow).where(RememberedDeviceRow.user_id == user_id)
        if device_digest is not None:
            query = query.where(RememberedDeviceRow.device_digest == device_digest)
        return affected_rows(self.session.execute(query))


def _device(row: RememberedDeviceRow) -> RememberedDevice:
    return RememberedDevice(
        device_digest=row.device_digest,
        user_agent=row.user_agent,
        networks=tuple(str(network) for network in row.networks or ()),
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        expires_at=row.expires_at,
    )
