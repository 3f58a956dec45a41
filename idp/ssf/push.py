"""RFC 8935 push delivery: each SET a push stream wants is queued in the outbox in the
transaction that recorded its event (idp.store.streams) and POSTed by the delivery
worker, signed when it is sent, with retries and backoff (idp.outbox). A paused stream
holds it (looked at again every HELD_RETRY seconds, without using up its attempts); a
disabled or deleted one drops it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from idp.outbound import ForbiddenTargetError, OutboundClient, OutboundRefusedError
from idp.outbox.model import Delivery
from idp.outbox.worker import DeliveryError, HeldError, UndeliverableError
from idp.ssf.model import StreamStatus
from idp.ssf.push_credentials import PushCredentials
from idp.ssf.sets import SET_MEDIA_TYPE, SecurityEventTokens
from idp.ssf.storage import StreamStore

KIND = "ssf_push"
# RFC 8935 §2.4 errors another attempt may cure (keys or credentials being rotated).
TRANSIENT_ERRORS = frozenset({"invalid_key", "authentication_failed", "access_denied"})


@dataclass(frozen=True)
class PushSender:
    reading: Callable[[], AbstractContextManager[StreamStore]]
    tokens: SecurityEventTokens
    http: OutboundClient
    credentials: PushCredentials

    def __call__(self, delivery: Delivery) -> None:
        with self.reading() as store:
            stream = store.load_stream(str(delivery.payload["stream_id"]))
            event = store.security_event(int(delivery.payload["event_id"]))
        if stream is None or event is None:
            raise UndeliverableError("the stream has been deleted")
        if not stream.wants(event):
            raise UndeliverableError("the stream no longer asks for this event")
        if stream.holds(event):
            if stream.status is StreamStatus.DISABLED:
                raise UndeliverableError("the stream is disabled")
            raise HeldError("the stream is paused")
        headers = {"Content-Type": SET_MEDIA_TYPE, "Accept": "application/json"}
        authorization = self.credentials.open(stream.authorization_header, stream.stream_id)
        if authorization:
            headers["Authorization"] = authorization
        token = self.tokens.issue(event, stream)
        try:
            answer = self.http.post(stream.endpoint_url, content=token.encode(), headers=headers)
        except ForbiddenTargetError as error:
            raise UndeliverableError(str(error)) from None
        except OutboundRefusedError as error:
            raise DeliveryError(str(error)) from None
        if 200 <= answer.status_code < 300:  # §2.2: 202 Accepted
            return
        problem = f"HTTP {answer.status_code} from the receiver"
        if answer.status_code == 400 and answer.error_code() not in TRANSIENT_ERRORS:
            raise UndeliverableError(f"{problem}: {answer.error_code() or 'no err'}")  # §2.3
        raise DeliveryError(problem)
