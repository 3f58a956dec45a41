"""Risk signals at sign-in: remembered devices and the networks seen from them. Plain
heuristics, no model (docs/authentication.md, "Risk signals").

A **remembered device** is a browser where the user gave their second factor and asked
to be remembered. It holds a long-lived cookie sealed for this purpose
(idp.sealing, AES-256-GCM) that names the user and a random device id; the user's
record keeps only the id's digest, when it expires, and the networks (an IPv4 /24, an
IPv6 /48) the device gave a second factor from. A later sign-in by that user from that
device *and* one of those networks may skip the second factor, where the MFA policy
lets it (idp.authn.mfa_policy.remembered_device_may_skip); anything else asks for it.
A cookie that does not open, has expired, names another user or a device the user
forgot is ignored, and recorded.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from enum import StrEnum
from ipaddress import IPv4Address, ip_address, ip_network

from idp.revocation.storage import SecurityEventLog
from idp.sealing import Sealer, UnsealError
from idp.secret import digest, new_token

NETWORK_PREFIX_V4 = 24
NETWORK_PREFIX_V6 = 48
MAX_NETWORKS = 16  # per device: the most recent ones are kept
MAX_COOKIE = 1024  # characters: anything longer is not one of ours

# Tessera's own security-event types (a row of the security log for operators; none is a
# CAEP/RISC type, so no Shared Signals stream carries them: idp.ssf.model).
NEW_DEVICE = "urn:tessera:event:new-device"
NEW_NETWORK = "urn:tessera:event:new-network"
DEVICE_REMEMBERED = "urn:tessera:event:device-remembered"
DEVICE_COOKIE_REFUSED = "urn:tessera:event:device-cookie-refused"
SECOND_FACTOR_SKIPPED = "urn:tessera:event:second-factor-skipped"
DEVICES_FORGOTTEN = "urn:tessera:event:devices-forgotten"


def network_of(address: str) -> str | None:
    """The network an address is counted in: its /24 (IPv4) or /48 (IPv6); None for
    what is not an address (an unknown peer)."""
    try:
        parsed = ip_address(address)
    except ValueError:
        return None
    if not isinstance(parsed, IPv4Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    prefix = NETWORK_PREFIX_V4 if isinstance(parsed, IPv4Address) else NETWORK_PREFIX_V6
    return str(ip_network(f"{parsed}/{prefix}", strict=False))


def with_network(networks: tuple[str, ...], network: str) -> tuple[str, ...]:
    """``network`` added as the most recent one, keeping at most MAX_NETWORKS."""
    kept = (*(known for known in networks if known != network), network)
    return kept[-MAX_NETWORKS:]


@dataclass(frozen=True)
class RememberedDevice:
    """What is stored of a remembered device (never its id, only the id's digest)."""

    device_digest: str
    user_agent: str
    networks: tuple[str, ...]
    created_at: int
    last_used_at: int
    expires_at: int


@dataclass(frozen=True)
class DeviceCookie:
    """A device cookie that opened: whose, which device, until when."""

    user_id: str
    device_id: str
    expires_at: int

    @property
    def device_digest(self) -> str:
        return digest(self.device_id)


@dataclass(frozen=True)
class DeviceEvidence:
    """What a request says about the browser it comes from. ``offered``: the operator
    turned remembered devices on (IDP_REMEMBER_DEVICE_DAYS); ``refused``: a device
    cookie was sent that did not open (forged or altered)."""

    offered: bool = False
    cookie: DeviceCookie | None = None
    refused: bool = False
    network: str | None = None


NO_EVIDENCE = DeviceEvidence()


class Signal(StrEnum):
    KNOWN = "known"  # a remembered device of the user, on a network seen from it
    NEW_DEVICE = "new_device"  # no device cookie of the user
    NEW_NETWORK = "new_network"  # a remembered device, on a network not seen from it
    REFUSED = "refused"  # a device cookie that is not to be believed


class Refusal(StrEnum):
    FORGED = "forged"  # does not open: not sealed by us for this purpose, or altered
    EXPIRED = "expired"
    OTHER_USER = "other_user"  # another user's device cookie
    FORGOTTEN = "forgotten"  # the user forgot the device, or its record expired


@dataclass(frozen=True)
class Assessment:
    signal: Signal
    device_digest: str | None = None  # the user's remembered device the cookie names
    refusal: Refusal | None = None
    network: str | None = None


def assess(
    evidence: DeviceEvidence, user_id: str, stored: RememberedDevice | None, now: int
) -> Assessment:
    """What the browser's device cookie and network say about this sign-in by
    ``user_id``; ``stored``: the user's record of the device the cookie names."""
    network, cookie = evidence.network, evidence.cookie
    if evidence.refused:
        return Assessment(Signal.REFUSED, refusal=Refusal.FORGED, network=network)
    if cookie is None:
        return Assessment(Signal.NEW_DEVICE, network=network)
    if cookie.user_id != user_id:
        return Assessment(Signal.REFUSED, refusal=Refusal.OTHER_USER, network=network)
    if cookie.expires_at <= now:
        return Assessment(Signal.REFUSED, refusal=Refusal.EXPIRED, network=network)
    if stored is None or stored.expires_at <= now:
        return Assessment(Signal.REFUSED, refusal=Refusal.FORGOTTEN, network=network)
    known = network is not None and network in stored.networks
    signal = Signal.KNOWN if known else Signal.NEW_NETWORK
    return Assessment(signal, device_digest=stored.device_digest, network=network)


def record_assessment(
    log: SecurityEventLog, user_id: str, assessment: Assessment, *, skipped: bool, now: int
) -> None:
    """A row of the security log for the decision taken at a sign-in."""
    detail: dict[str, object] = {"network": assessment.network or "unknown"}
    if assessment.signal is Signal.KNOWN:
        event = SECOND_FACTOR_SKIPPED if skipped else None
    elif assessment.signal is Signal.NEW_NETWORK:
        event = NEW_NETWORK
    elif assessment.signal is Signal.NEW_DEVICE:
        event = NEW_DEVICE
    else:
        event = DEVICE_COOKIE_REFUSED
        detail["reason"] = str(assessment.refusal)
    if event is not None:
        log.record_security_event(event, subject=user_id, now=now, detail=detail)


@dataclass(frozen=True)
class DeviceCookies:
    """Device cookies: a sealed {user, device id, expiry}; ``days`` 0 turns them off."""

    sealer: Sealer
    days: int

    @property
    def offered(self) -> bool:
        return self.days > 0

    @property
    def lifetime(self) -> int:
        return self.days * 86400

    def issue(self, user_id: str, now: int) -> tuple[DeviceCookie, str]:
        """A new device and the cookie value that names it."""
        cookie = DeviceCookie(user_id, new_token(), now + self.lifetime)
        plain = json.dumps({"u": cookie.user_id, "d": cookie.device_id, "exp": cookie.expires_at})
        sealed = self.sealer.seal(plain.encode())
        return cookie, base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def evidence(self, value: str | None, address: str) -> DeviceEvidence:
        """What the request's cookie (``value``) and address say; nothing when off."""
        if not self.offered:
            return NO_EVIDENCE
        network = network_of(address)
        if not value:
            return DeviceEvidence(offered=True, network=network)
        cookie = self._open(value)
        return DeviceEvidence(offered=True, cookie=cookie, refused=cookie is None, network=network)

    def _open(self, value: str) -> DeviceCookie | None:
        if len(value) > MAX_COOKIE:
            return None
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            record = json.loads(self.sealer.open(raw))
            return DeviceCookie(str(record["u"]), str(record["d"]), int(record["exp"]))
        except (binascii.Error, ValueError, UnsealError, KeyError, TypeError):
            return None
