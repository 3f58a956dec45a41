"""Remembered devices after the second factor, and forgetting them (idp.authn.risk)."""

from __future__ import annotations

from typing import Protocol

from idp.authn.risk import (
    DEVICE_REMEMBERED,
    DEVICES_FORGOTTEN,
    DeviceCookies,
    DeviceEvidence,
    RememberedDevice,
    with_network,
)
from idp.authn.storage import RememberedDeviceStore
from idp.revocation.storage import SecurityEventLog


class DeviceStores(RememberedDeviceStore, SecurityEventLog, Protocol):
    """What remembering and forgetting devices writes."""


def after_second_factor(
    stores: DeviceStores,
    cookies: DeviceCookies,
    evidence: DeviceEvidence,
    *,
    user_id: str,
    user_agent: str,
    remember: bool,
    now: int,
) -> str | None:
    """``user_id`` gave their second factor in this browser. A remembered device of
    theirs learns the network it came from; otherwise, if they asked, the browser is
    remembered: the value of its new device cookie (None: nothing to set)."""
    if not evidence.offered:
        return None
    cookie = evidence.cookie
    if cookie is not None and cookie.user_id == user_id and cookie.expires_at > now:
        stored = stores.load_remembered_device(user_id, cookie.device_digest)
        if stored is not None and stored.expires_at > now:
            networks = (
                with_network(stored.networks, evidence.network)
                if evidence.network
                else stored.networks
            )
            stores.update_remembered_device(user_id, stored.device_digest, networks, now)
            return None
    if not remember:
        return None
    new, value = cookies.issue(user_id, now)
    networks = (evidence.network,) if evidence.network else ()
    stores.save_remembered_device(
        user_id,
        RememberedDevice(new.device_digest, user_agent, networks, now, now, new.expires_at),
    )
    stores.record_security_event(
        DEVICE_REMEMBERED,
        subject=user_id,
        now=now,
        detail={"network": evidence.network or "unknown", "expires_at": new.expires_at},
    )
    return value


def forget_devices(
    stores: DeviceStores, user_id: str, device_digest: str | None, actor: str, now: int
) -> int:
    """Forget one of the user's devices (or all): their cookies no longer stand in for
    the second factor. How many were forgotten."""
    forgotten = stores.forget_remembered_devices(user_id, device_digest)
    if forgotten:
        stores.record_security_event(
            DEVICES_FORGOTTEN,
            subject=user_id,
            now=now,
            detail={"actor": actor, "count": forgotten, "all": device_digest is None},
        )
    return forgotten
