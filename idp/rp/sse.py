"""Server-Sent Events, read as WHATWG HTML §9.2.6 says ("Interpreting an event
stream"), from the bytes as they come."""

from __future__ import annotations

import re
from dataclasses import dataclass

from idp.rp.errors import ProviderUnavailable

MAX_LINE = 1 << 18  # bytes; a SET is about a kilobyte
LINE_END = re.compile(rb"\r\n|\r|\n")
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    id: str | None  # the last event ID when it was dispatched
    type: str
    data: str


class SseParser:
    def __init__(self) -> None:
        self._buffer = b""
        self._started = False
        self._data: list[str] = []
        self._type = ""
        self._last_id: str | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """The events ``chunk`` completes. A lone CR at the end waits for the next
        chunk: it may be the first half of a CRLF."""
        buffer = self._buffer + chunk
        if not self._started:  # §9.2.6: one leading BOM is skipped
            self._started = True
            buffer = buffer.removeprefix(BOM)
        events: list[ServerSentEvent] = []
        start = 0
        for match in LINE_END.finditer(buffer):
            if match.group() == b"\r" and match.end() == len(buffer):
                break
            event = self._line(buffer[start : match.start()].decode("utf-8", "replace"))
            if event is not None:
                events.append(event)
            start = match.end()
        self._buffer = buffer[start:]
        if len(self._buffer) > MAX_LINE:
            raise ProviderUnavailable("the event stream sent a line too long")
        return events

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None  # a comment: Tessera's heartbeat
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._type = value
        elif name == "id" and "\0" not in value:
            self._last_id = value
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        data, event_type = self._data, self._type
        self._data, self._type = [], ""
        if not data:
            return None
        return ServerSentEvent(self._last_id, event_type or "message", "\n".join(data))
