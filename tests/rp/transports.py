"""An httpx transport for the SDK that records what it sends and can be turned off
per path, or cut the responses it has open: the provider "goes away" for the SDK
alone, over real HTTP otherwise."""

from __future__ import annotations

import threading

import httpx


class Switchable(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[httpx.Request] = []
        self.refused: list[httpx.Request] = []
        self._off: set[str] = set()
        self._open: list[httpx.Response] = []
        self._lock = threading.Lock()

    def turn_off(self, path_prefix: str) -> None:
        self._off.add(path_prefix)

    def turn_on(self, path_prefix: str) -> None:
        self._off.discard(path_prefix)

    def cut(self) -> None:
        """Close the Server-Sent Events subscriptions still open."""
        with self._lock:
            open_responses, self._open = self._open, []
        for response in open_responses:
            response.close()

    def sent_to(self, path_prefix: str) -> list[httpx.Request]:
        return [request for request in self.sent if request.url.path.startswith(path_prefix)]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if any(request.url.path.startswith(prefix) for prefix in self._off):
            self.refused.append(request)
            raise httpx.ConnectError("turned off by the test", request=request)
        self.sent.append(request)
        response = super().handle_request(request)
        if request.headers.get("accept") == "text/event-stream":
            with self._lock:
                self._open.append(response)
        return response
