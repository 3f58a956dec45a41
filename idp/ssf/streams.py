"""Stream management (OpenID Shared Signals Framework 1.0 §8.1): a receiver, a client
holding a client-credentials token with the management scope, creates, reads, updates,
replaces and deletes its own streams, reads and sets their status, and asks for a
verification event. Another receiver's stream does not exist for it (404)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from idp.errors import (
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    TooManyRequestsError,
)
from idp.oauth.uris import is_loopback_host
from idp.secret import new_identifier
from idp.ssf.model import (
    MIN_VERIFICATION_INTERVAL,
    STREAM_UPDATED,
    VERIFICATION,
    DeliveryMethod,
    Stream,
    StreamStatus,
)
from idp.ssf.push_credentials import PushCredentials
from idp.ssf.storage import StreamStore

MAX_STREAMS_PER_RECEIVER = 10
MAX_EVENTS_REQUESTED = 50
MAX_TEXT = 255  # description, reason, state, each event type URI
MAX_URL = 2048
# Characters of a push authorization header: sealed (idp.ssf.push_credentials), it
# still fits its column (streams.authorization_header, 4096).
MAX_AUTHORIZATION_HEADER = 2048
TRANSMITTER_SET = (
    "iss",
    "aud",
    "events_supported",
    "events_delivered",
    "min_verification_interval",
)


class Streams:
    def __init__(
        self,
        store: StreamStore,
        *,
        issuer: str,
        client_id: str,
        now: int,
        credentials: PushCredentials,
    ) -> None:
        self.store = store
        self.credentials = credentials
        self.issuer = issuer
        self.client_id = client_id
        self.now = now

    def create(self, body: Mapping[str, Any]) -> Stream:
        """SSF 1.0 §8.1.1.1. Without ``delivery``, a poll stream."""
        if len(self.store.list_streams(self.client_id)) >= MAX_STREAMS_PER_RECEIVER:
            raise ConflictError(f"a receiver has at most {MAX_STREAMS_PER_RECEIVER} streams")
        stream_id = new_identifier()
        method, endpoint_url, authorization = self._delivery(body.get("delivery"), stream_id)
        stream = Stream(
            stream_id=stream_id,
            client_id=self.client_id,
            method=method,
            endpoint_url=endpoint_url,
            events_requested=_events_requested(body),
            authorization_header=self.credentials.seal(authorization, stream_id),
            description=_text(body, "description"),
            start_after=self.store.last_security_event_id(),
            created_at=self.now,
        )
        self.store.create_stream(stream)
        return stream

    def get(self, stream_id: object) -> Stream:
        if not isinstance(stream_id, str) or not stream_id:
            raise InvalidRequestError("stream_id is required")
        stream = self.store.load_stream(stream_id)
        if stream is None or stream.client_id != self.client_id:
            raise NotFoundError("no such stream")
        return stream

    def update(self, body: Mapping[str, Any], *, whole: bool) -> Stream:
        """PATCH (§8.1.1.3) changes what the body names; PUT (§8.1.1.4) replaces every
        receiver-set property, and one left out is removed. Transmitter-set properties
        may be sent back, unchanged."""
        stream = self.get(body.get("stream_id"))
        current = stream.configuration(self.issuer)
        for name in TRANSMITTER_SET:
            if name in body and body[name] != current[name]:
                raise InvalidRequestError(f"{name} is set by the transmitter and cannot change")
        changes: dict[str, Any] = {}
        if whole or "events_requested" in body:
            changes["events_requested"] = _events_requested(body)
        if whole or "description" in body:
            changes["description"] = _text(body, "description")
        if whole or "delivery" in body:
            method, url, authorization = self._delivery(body.get("delivery"), stream.stream_id)
            if method is not stream.method:
                raise InvalidRequestError("the delivery method of a stream cannot change")
            sealed = self.credentials.seal(authorization, stream.stream_id)
            changes.update(endpoint_url=url, authorization_header=sealed)
        updated = replace(stream, **changes)
        self.store.save_stream(updated)
        return updated

    def delete(self, stream_id: object) -> None:
        self.store.delete_stream(self.get(stream_id).stream_id)

    def set_status(self, body: Mapping[str, Any]) -> Stream:
        """§8.1.2.2. A stream-updated event goes out before a stream stops and when it
        starts again (§8.1.5); a paused stream holds what follows, a disabled one drops
        it."""
        stream = self.get(body.get("stream_id"))
        try:
            status = StreamStatus(str(body.get("status")))
        except ValueError:
            raise InvalidRequestError("status must be enabled, paused or disabled") from None
        reason = _text(body, "reason")
        if status is stream.status:
            updated = replace(stream, status_reason=reason)
            self.store.save_stream(updated)
            return updated
        detail = {"status": status.value, **({"reason": reason} if reason else {})}
        event_id = self._stream_event(stream, STREAM_UPDATED, detail)
        changes: dict[str, Any] = {}
        if stream.status is StreamStatus.DISABLED and stream.held_after is not None:
            # What came while disabled is dropped; only the last such span is kept.
            changes["dropped"] = (stream.held_after, event_id - 1)
        if status is StreamStatus.ENABLED:
            changes["held_after"] = None
        elif stream.held_after is None or stream.status is StreamStatus.DISABLED:
            changes["held_after"] = event_id
        updated = replace(stream, status=status, status_reason=reason, **changes)
        self.store.save_stream(updated)
        return updated

    def verify(self, body: Mapping[str, Any]) -> None:
        """§8.1.4: a verification event carrying ``state``, through the stream's own
        delivery."""
        stream = self.get(body.get("stream_id"))
        last = stream.last_verification_at
        if last is not None and self.now - last < MIN_VERIFICATION_INTERVAL:
            raise TooManyRequestsError(
                f"at most one verification every {MIN_VERIFICATION_INTERVAL} s"
            )
        state = _text(body, "state")
        self._stream_event(stream, VERIFICATION, {"state": state} if state is not None else {})
        self.store.save_stream(replace(stream, last_verification_at=self.now))

    def _stream_event(self, stream: Stream, event_type: str, detail: dict[str, Any]) -> int:
        return self.store.insert_security_event(
            event_type,
            subject=stream.client_id,
            now=self.now,
            client_id=stream.client_id,
            detail=detail,
            stream_id=stream.stream_id,
        )

    def _delivery(self, delivery: object, stream_id: str) -> tuple[DeliveryMethod, str, str | None]:
        """The method, the endpoint (the receiver's for push, ours otherwise) and the
        push authorization header."""
        if delivery is None:
            delivery = {"method": DeliveryMethod.POLL.value}
        if not isinstance(delivery, Mapping):
            raise InvalidRequestError("delivery must be an object")
        try:
            method = DeliveryMethod(str(delivery.get("method")))
        except ValueError:
            supported = ", ".join(method.value for method in DeliveryMethod)
            raise InvalidRequestError(f"delivery.method must be one of {supported}") from None
        if method is DeliveryMethod.POLL:
            return method, f"{self.issuer}/ssf/poll/{stream_id}", None
        if method is DeliveryMethod.SSE:
            return method, f"{self.issuer}/ssf/sse/{stream_id}", None
        url = delivery.get("endpoint_url")
        if not isinstance(url, str) or not _is_push_url(url):
            # RFC 8935 §2: over TLS; http only to a loopback host (tests, a local agent).
            raise InvalidRequestError(
                "push delivery needs an https endpoint_url (http only on a loopback host)"
            )
        authorization = delivery.get("authorization_header")
        if authorization is not None and (
            not isinstance(authorization, str)
            or len(authorization) > MAX_AUTHORIZATION_HEADER
            or not (authorization.isascii() and authorization.isprintable())  # RFC 9110 §5.5
        ):
            raise InvalidRequestError(
                f"authorization_header must be printable ASCII, at most "
                f"{MAX_AUTHORIZATION_HEADER} characters"
            )
        return method, url, authorization


def _events_requested(body: Mapping[str, Any]) -> tuple[str, ...] | None:
    """SSF 1.0 §8.1.1: unknown event types are ignored (left out of events_delivered)."""
    requested = body.get("events_requested")
    if requested is None:
        return None
    if (
        not isinstance(requested, list)
        or len(requested) > MAX_EVENTS_REQUESTED
        or not all(isinstance(event, str) and len(event) <= MAX_TEXT for event in requested)
    ):
        raise InvalidRequestError(
            f"events_requested must be a list of at most {MAX_EVENTS_REQUESTED} event type URIs"
        )
    return tuple(dict.fromkeys(requested))


def _text(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT or not value.isprintable():
        raise InvalidRequestError(f"{name} must be printable text of at most {MAX_TEXT} characters")
    return value


def _is_push_url(url: str) -> bool:
    if len(url) > MAX_URL or not url.isprintable():
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if not parts.hostname or parts.fragment:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(parts.hostname))
