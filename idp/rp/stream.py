"""A receiver of the provider's security event stream (OpenID Shared Signals 1.0),
delivered as Server-Sent Events (Tessera's ``urn:tessera:ssf:sse``).

The receiver is a client of the provider with the client-credentials grant and the
scopes ``ssf.manage ssf.read``. It takes a token, finds its stream (the one named, else
its first SSE stream, else a new one), subscribes, and applies each verified SET. The
provider ends a subscription when its token expires, and may drop one for other
reasons: the receiver then comes back with ``Last-Event-ID`` (the id of the last event
it applied), after an exponential backoff with jitter, and gets exactly what it missed.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from idp.rp.backoff import Backoff
from idp.rp.caching import CachedDocument, Clock
from idp.rp.client_credentials import TokenCache
from idp.rp.discovery import ProviderMetadata, is_safe_url, same_origin
from idp.rp.errors import ProviderUnavailable, TokenError, TokenRequestFailed
from idp.rp.events import FOLLOWED, EventReader, check_security_event
from idp.rp.flow import (
    Flow,
    HttpRequest,
    HttpResponse,
    ReadChunk,
    Sleep,
    Subscribe,
    Unsubscribe,
)
from idp.rp.revocation import RevocationState
from idp.rp.sse import ServerSentEvent, SseParser
from idp.rp.strict_json import InvalidJson, loads, loads_object
from idp.rp.token_endpoint import ClientAuthentication
from idp.rp.validation import SECURITY_EVENT_TYPES
from idp.rp.verifier import JwtVerifier

log = logging.getLogger("idp.rp")

SSE_DELIVERY = "urn:tessera:ssf:sse"
SSF_CONFIGURATION = "/.well-known/ssf-configuration"  # SSF 1.0 §7.2
DESCRIPTION = "idp.rp revocation follower"
TOKEN_MARGIN = 30.0  # s before its expiry that a new access token is taken
SET_MAX_SIZE = 1 << 16


class EventStream:
    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str,
        stream_id: str | None,
        last_event_id: str | None,
        metadata: CachedDocument[ProviderMetadata],
        verifier: JwtVerifier,
        state: RevocationState,
        clock: Clock,
        read_timeout: float,
    ) -> None:
        self.stream_id = stream_id
        self.last_event_id = last_event_id
        self._issuer = issuer
        self._client_id = client_id
        # RFC 6749 §4.4: the receiver's own token, taken anew shortly before it expires.
        self._tokens = TokenCache(
            ClientAuthentication(client_id, client_secret),
            scope=None,
            resource=None,
            refresh_before=TOKEN_MARGIN,
            metadata=metadata,
            clock=clock,
        )
        self._metadata = metadata
        self._verifier = verifier
        self._state = state
        self._events = EventReader(state, issuer)
        self._clock = clock
        self._read_timeout = read_timeout
        self._endpoint: str | None = None

    def follow(self) -> Flow[None]:
        """Subscribe and read, again and again, until the run is asked to stop."""
        backoff = Backoff()
        while True:
            try:
                yield from self._subscription(backoff)
            except (ProviderUnavailable, TokenRequestFailed) as exc:
                log.warning("the security event stream: %s", exc)
            yield Unsubscribe()
            if (yield Sleep(backoff.next_delay())):
                return

    def _subscription(self, backoff: Backoff) -> Flow[None]:
        token = yield from self._tokens.access_token()
        endpoint = yield from self._stream_endpoint(token)
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        request = HttpRequest(endpoint, "security event stream", headers=headers)
        self._check_subscribed((yield Subscribe(request, self._read_timeout)), token)
        self._state.heard_from_stream(self._clock())
        parser = SseParser()
        while chunk := (yield ReadChunk()):
            backoff.reset()  # it delivers: a cut after this is no reason to wait long
            self._state.heard_from_stream(self._clock())
            for event in parser.feed(chunk):
                yield from self._apply(event)
        # The provider ended it (the token expired, or the node stopped): come back.

    def _check_subscribed(self, response: HttpResponse, token: str) -> None:
        if response.status == 200:
            if not response.headers.get("content-type", "").startswith("text/event-stream"):
                raise ProviderUnavailable("the subscription is not an event stream")
            return
        if response.status == 401:
            self._tokens.invalidate(token)
        elif response.status == 404:  # the stream is gone, or is no SSE stream any more
            self.stream_id = self._endpoint = None
        elif response.status == 400:  # Last-Event-ID names no event of the stream
            log.warning("the stream refused Last-Event-ID; reading it from its start")
            self.last_event_id = None
        raise ProviderUnavailable(f"the subscription was refused (HTTP {response.status})")

    def _apply(self, event: ServerSentEvent) -> Flow[None]:
        """Verify and apply one SET. One that cannot be verified for now (the JWKS is
        unreachable) ends the subscription, so it comes again; one that does not verify
        is skipped (logged)."""
        if event.type == "set":
            now = self._clock()
            try:
                claims, _ = yield from self._verifier.verified(
                    event.data, SECURITY_EVENT_TYPES, "a security event", now, SET_MAX_SIZE
                )
                check_security_event(claims, issuer=self._issuer, audience=self._client_id)
            except ProviderUnavailable:
                raise
            except TokenError as exc:
                log.warning("a security event was skipped: %s", exc)
            else:
                self._events.apply(claims, now)
        if event.id is not None:
            self.last_event_id = event.id

    def _stream_endpoint(self, token: str) -> Flow[str]:
        """SSF 1.0 §8.1.1: the stream's ``delivery.endpoint_url``."""
        if self._endpoint is not None:
            return self._endpoint
        streams = yield from self._configuration_endpoint()
        authorization = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if self.stream_id is not None:
            url = f"{streams}?stream_id={quote(self.stream_id, safe='')}"
            response = yield HttpRequest(url, "stream", headers=authorization)
            stream = _json(response, "the stream", 200)
        else:
            response = yield HttpRequest(streams, "streams", headers=authorization)
            existing = _first_sse_stream(response)
            if existing is not None:
                stream = existing
            else:
                response = yield HttpRequest(
                    streams,
                    "stream creation",
                    method="POST",
                    headers=authorization,
                    json={
                        "delivery": {"method": SSE_DELIVERY},
                        "events_requested": list(FOLLOWED),
                        "description": DESCRIPTION,
                    },
                )
                stream = _json(response, "the stream creation", 201)
        self.stream_id, self._endpoint = self._read_stream(stream)
        return self._endpoint

    def _configuration_endpoint(self) -> Flow[str]:
        """SSF 1.0 §7.1: the transmitter's metadata, of this issuer."""
        url = self._issuer.rstrip("/") + SSF_CONFIGURATION
        response = yield HttpRequest(url, "SSF configuration")
        configuration = _json(response, "the SSF configuration", 200)
        endpoint = configuration.get("configuration_endpoint")
        if (
            configuration.get("issuer") != self._issuer
            or not isinstance(endpoint, str)
            or not is_safe_url(endpoint)
        ):
            raise ProviderUnavailable("the SSF configuration is not this issuer's")
        return endpoint

    def _read_stream(self, stream: dict[str, Any]) -> tuple[str, str]:
        delivery = stream.get("delivery")
        delivery = delivery if isinstance(delivery, dict) else {}
        endpoint, stream_id = delivery.get("endpoint_url"), stream.get("stream_id")
        if (
            not isinstance(stream_id, str)
            or not isinstance(endpoint, str)
            or delivery.get("method") != SSE_DELIVERY
            or not same_origin(endpoint, self._issuer)  # it is sent the receiver's token
        ):
            raise ProviderUnavailable("the stream is no SSE stream of the issuer")
        return stream_id, endpoint


def _first_sse_stream(response: HttpResponse) -> dict[str, Any] | None:
    if response.status != 200:
        raise ProviderUnavailable(f"the streams: HTTP {response.status}")
    try:
        streams = loads(response.body)
    except InvalidJson:
        streams = None
    if not isinstance(streams, list):
        raise ProviderUnavailable("the streams are not a JSON array")
    for stream in streams:
        delivery = stream.get("delivery") if isinstance(stream, dict) else None
        if isinstance(delivery, dict) and delivery.get("method") == SSE_DELIVERY:
            found: dict[str, Any] = stream
            return found
    return None


def _json(response: HttpResponse, what: str, status: int) -> dict[str, Any]:
    if response.status != status:
        raise ProviderUnavailable(f"{what}: HTTP {response.status}")
    try:
        return loads_object(response.body)
    except InvalidJson as exc:
        raise ProviderUnavailable(f"{what}: {exc}") from None
