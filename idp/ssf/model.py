"""Streams (OpenID Shared Signals Framework 1.0 §8.1.1) and the security events they
carry.

Every security event Tessera records (idp.revocation.events) has an integer id, handed
out in commit order (idp.store.security_events), so a position in the event log is one
number: a stream delivers the events after its ``start_after`` that it asked for, in
id order, and the id is the SSE event id a subscriber resumes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from idp.revocation.events import SecurityEventType

SSF = "https://schemas.openid.net/secevent/ssf/event-type/"
VERIFICATION = SSF + "verification"  # SSF 1.0 §8.1.4
STREAM_UPDATED = SSF + "stream-updated"  # SSF 1.0 §8.1.5
# What a stream can ask for; verification and stream-updated reach it anyway.
EVENTS_SUPPORTED = tuple(
    event.value
    for event in (
        SecurityEventType.SESSION_REVOKED,
        SecurityEventType.CREDENTIAL_CHANGE,
        SecurityEventType.TOKEN_CLAIMS_CHANGE,
        SecurityEventType.ACCOUNT_DISABLED,
        SecurityEventType.ACCOUNT_ENABLED,
        SecurityEventType.TOKEN_REVOKED,
    )
)


class DeliveryMethod(StrEnum):
    PUSH = "urn:ietf:rfc:8935"
    POLL = "urn:ietf:rfc:8936"
    # Tessera's own: the stream's events as Server-Sent Events (WHATWG HTML §9.2),
    # resumable with Last-Event-ID.
    SSE = "urn:tessera:ssf:sse"


class StreamStatus(StrEnum):
    """SSF 1.0 §8.1.2."""

    ENABLED = "enabled"
    PAUSED = "paused"  # held, delivered once enabled again
    DISABLED = "disabled"  # neither delivered nor held


@dataclass(frozen=True)
class SecurityEvent:
    id: int
    event_type: str
    subject: str
    client_id: str | None
    sid: str | None
    detail: dict[str, Any]
    created_at: int
    stream_id: str | None = None  # for one stream only (verification, stream-updated)


@dataclass(frozen=True)
class Stream:
    stream_id: str
    client_id: str  # the receiver, and the SETs' audience
    method: DeliveryMethod
    endpoint_url: str
    events_requested: tuple[str, ...] | None = None
    authorization_header: str | None = None  # push: sent with every SET (SSF §8.1.1)
    description: str | None = None
    status: StreamStatus = StreamStatus.ENABLED
    status_reason: str | None = None
    start_after: int = 0  # events up to this id are never delivered
    held_after: int | None = None  # paused or disabled: nothing after this id, for now
    # The events of the last disabled period, (after, through]: never delivered.
    dropped: tuple[int, int] | None = None
    acked_through: int = 0  # poll: every event up to this id is acknowledged
    created_at: int = 0
    last_verification_at: int | None = None

    @property
    def events_delivered(self) -> tuple[str, ...]:
        """SSF 1.0 §8.1.1: what was asked for and is supported; everything by default."""
        if self.events_requested is None:
            return EVENTS_SUPPORTED
        return tuple(event for event in EVENTS_SUPPORTED if event in self.events_requested)

    def wants(self, event: SecurityEvent) -> bool:
        """Whether ``event`` is this stream's, now or once it is enabled again."""
        if event.id <= self.start_after:
            return False
        if self.dropped is not None and self.dropped[0] < event.id <= self.dropped[1]:
            return False
        if event.stream_id is not None:
            return event.stream_id == self.stream_id
        return event.event_type in self.events_delivered

    def holds(self, event: SecurityEvent) -> bool:
        """Paused or disabled: not delivered for now."""
        return self.held_after is not None and event.id > self.held_after

    def delivers(self, event: SecurityEvent) -> bool:
        """Whether ``event`` is this stream's to deliver now."""
        return self.wants(event) and not self.holds(event)

    def jti(self, event: SecurityEvent) -> str:
        """The SET's jti: the same for every delivery of one event on one stream, so a
        receiver can drop what it has seen (RFC 8417 §2.2)."""
        return f"{self.stream_id}.{event.id}"

    def event_id_of(self, jti: str) -> int | None:
        """The event a jti of this stream names; None for any other string."""
        prefix, _, number = jti.rpartition(".")
        if prefix != self.stream_id:
            return None
        return parse_event_id(number)

    def configuration(self, issuer: str) -> dict[str, Any]:
        """The stream configuration object (SSF 1.0 §8.1.1)."""
        # The push authorization header is the receiver's secret: kept, never shown.
        delivery = {"method": self.method.value, "endpoint_url": self.endpoint_url}
        configuration: dict[str, Any] = {
            "stream_id": self.stream_id,
            "iss": issuer,
            "aud": self.client_id,
            "events_supported": list(EVENTS_SUPPORTED),
            "events_delivered": list(self.events_delivered),
            "delivery": delivery,
            "min_verification_interval": MIN_VERIFICATION_INTERVAL,
        }
        if self.events_requested is not None:
            configuration["events_requested"] = list(self.events_requested)
        if self.description is not None:
            configuration["description"] = self.description
        return configuration


MIN_VERIFICATION_INTERVAL = 5  # s between verification requests (SSF 1.0 §8.1.1)
EVENT_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits only (str.isdigit() takes "²")


def parse_event_id(text: str) -> int | None:
    return int(text) if EVENT_ID.fullmatch(text) else None
