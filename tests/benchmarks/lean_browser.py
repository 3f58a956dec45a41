"""A browser that costs the machine next to nothing, for benchmarks whose load generator
shares the server's cores: one keep-alive HTTP/1.1 connection, requests written as
bytes, responses parsed by httptools (C, the parser uvicorn serves with), cookies kept
by name. It follows no redirect and understands nothing but what a sign-in needs; an
unexpected answer raises."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import httptools

READ_SIZE = 65_536


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytearray = field(default_factory=bytearray)

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    @property
    def text(self) -> str:
        return self.body.decode()


class _Parsing:
    """httptools' callbacks, collecting one answer."""

    def __init__(self, answer: Answer, cookies: dict[str, str]) -> None:
        self.answer, self.cookies, self.complete = answer, cookies, False

    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        if key == "set-cookie":
            for morsel in SimpleCookie(text).values():
                if morsel["max-age"] == "0":
                    self.cookies.pop(morsel.key, None)
                else:
                    self.cookies[morsel.key] = morsel.value
        self.answer.headers[key] = text

    def on_body(self, body: bytes) -> None:
        self.answer.body += body

    def on_message_complete(self) -> None:
        self.complete = True


class LeanBrowser:
    _reader: asyncio.StreamReader  # opened by ``async with``
    _writer: asyncio.StreamWriter

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies: dict[str, str] = {}

    async def __aenter__(self) -> LeanBrowser:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._writer.close()

    async def get(self, target: str) -> Answer:
        return await self._exchange(b"GET", target, b"", b"")

    async def post(self, target: str, form: dict[str, str]) -> Answer:
        body = urlencode(form).encode()
        headers = b"Content-Type: application/x-www-form-urlencoded\r\n"
        return await self._exchange(b"POST", target, headers, body)

    async def _exchange(self, method: bytes, target: str, headers: bytes, body: bytes) -> Answer:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        head = b"%s %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Length: %d\r\n%s" % (
            method, target.encode(), self.host.encode(), self.port, len(body), headers,
        )  # fmt: skip
        if cookie:
            head += b"Cookie: " + cookie.encode() + b"\r\n"
        self._writer.write(head + b"\r\n" + body)
        answer = Answer(0)
        parsing = _Parsing(answer, self.cookies)
        parser = httptools.HttpResponseParser(parsing)
        while not parsing.complete:
            chunk = await self._reader.read(READ_SIZE)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            parser.feed_data(chunk)
        answer.status = parser.get_status_code()
        return answer
