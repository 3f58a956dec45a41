"""The event bus between nodes: it makes every node hear of a revocation (and of a
changed client) within milliseconds instead of at its next poll. It is only ever a
shortcut: the database stays the source of truth, and each node keeps polling it, often
while the bus is away (``healthy`` is false) and rarely while it is there, so a lost
message delays nothing for longer than the safety poll.

``LocalBus`` (the default) reaches only this process. ``RedisBus`` (IDP_REDIS_URL) uses
Redis pub/sub through redis-py, with short timeouts; a subscriber thread reconnects with
backoff and, once back, asks for a catch-up from the database (``on_reconnect``),
since pub/sub keeps nothing for a subscriber that was away."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from idp.revocation.records import RevocationKind, RevocationRecord

log = logging.getLogger("idp.bus")

CHANNEL_PREFIX = "tessera:changes:"  # + the issuer: deployments sharing a Redis stay apart
TIMEOUT = 2.0  # s, on every Redis call
MAX_BACKOFF = 10.0  # s between reconnection attempts
HEALTH_CHECK = 5  # s

Handler = Callable[[dict[str, Any]], None]


class EventBus(Protocol):
    @property
    def healthy(self) -> bool:
        """Whether messages published now will reach the other nodes."""
        ...

    def publish(self, message: dict[str, Any]) -> None:
        """Best effort: a failure is logged, never raised (the database has it)."""
        ...

    def start(self, handler: Handler, on_reconnect: Callable[[], None]) -> None: ...

    def stop(self) -> None: ...


def revocation_message(record: RevocationRecord) -> dict[str, Any]:
    return {
        "type": "revocation",
        "kind": record.kind.value,
        "value": record.value,
        "revoked_at": record.revoked_at,
        "prune_after": record.prune_after,
    }


def record_of(message: dict[str, Any]) -> RevocationRecord:
    return RevocationRecord(
        RevocationKind(message["kind"]),
        str(message["value"]),
        int(message["revoked_at"]),
        int(message["prune_after"]),
    )


CLIENTS_CHANGED: dict[str, Any] = {"type": "clients"}
SUSPENSIONS_CHANGED: dict[str, Any] = {"type": "suspensions"}
AUTHZ_CHANGED: dict[str, Any] = {"type": "authz"}  # roles, groups, assignments, attributes
POLICIES_CHANGED: dict[str, Any] = {"type": "policies"}  # a policy version was published
SECURITY_EVENTS: dict[str, Any] = {"type": "security_events"}  # or stream changes


@dataclass
class LocalBus:
    """No other node to tell: this process already knows what it did."""

    healthy: bool = False  # nothing reaches other processes: they keep polling often

    def publish(self, message: dict[str, Any]) -> None:
        pass

    def start(self, handler: Handler, on_reconnect: Callable[[], None]) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass
class RedisBus:
    url: str
    issuer: str
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _connected: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        import redis  # the optional extra tessera-idp[redis]

        self._redis = redis.Redis.from_url(
            self.url,
            socket_timeout=TIMEOUT,
            socket_connect_timeout=TIMEOUT,
            # A PING when the subscription has been quiet this long: a half-open
            # connection is found out, and the node polls the database again.
            health_check_interval=HEALTH_CHECK,
        )
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._channel = CHANNEL_PREFIX + self.issuer

    @property
    def healthy(self) -> bool:
        return self._connected.is_set()

    def publish(self, message: dict[str, Any]) -> None:
        try:
            self._redis.publish(self._channel, json.dumps(message))
        except self._errors as error:
            log.warning("cannot publish to Redis; other nodes will poll for it: %s", error)

    def start(self, handler: Handler, on_reconnect: Callable[[], None]) -> None:
        self._thread = threading.Thread(
            target=self._listen, args=(handler, on_reconnect), name="idp-bus", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=TIMEOUT * 3)
        self._redis.close()

    def _listen(self, handler: Handler, on_reconnect: Callable[[], None]) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                self._subscribed(handler, on_reconnect)
                backoff = 0.5
            except self._errors as error:
                if self._connected.is_set():
                    log.warning("lost Redis; polling the database until it is back: %s", error)
                self._connected.clear()
                self._stop.wait(backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)

    def _subscribed(self, handler: Handler, on_reconnect: Callable[[], None]) -> None:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(self._channel)
            self._connected.set()
            self._run(on_reconnect)  # what was published while this node was not listening
            while not self._stop.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message is not None:
                    self._dispatch(handler, message["data"])
        finally:
            pubsub.close()

    @classmethod
    def _dispatch(cls, handler: Handler, data: bytes) -> None:
        try:
            message = json.loads(data)
        except ValueError as error:
            log.warning("ignoring a malformed bus message: %s", error)
            return
        cls._run(lambda: handler(message))

    @staticmethod
    def _run(action: Callable[[], None]) -> None:
        """A failing handler (a bad message, the database away) must not end the
        subscription: polling covers what it missed."""
        try:
            action()
        except Exception as error:
            log.warning("could not act on a bus message: %s", error)
