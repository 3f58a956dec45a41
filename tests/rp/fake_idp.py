"""A provider that misbehaves on purpose, on its own loopback port in a thread: its
discovery document and JWKS as a real one serves them (max-age, ETag, 304), each path
answerable otherwise by a test (a status, garbage, a delay, a drip, a redirect, a
huge body), and every request counted. A POST (to the token endpoint, say) is answered
the same way, its form and Authorization header kept in ``posted``."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from tests.support.clock import MovableClock

TIMEOUT = 0.5  # s, of the SDK's requests to a fake provider
DISCOVERY = "/.well-known/openid-configuration"
JWKS = "/jwks"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # s before answering
    drip: float = 0.0  # s between body bytes


@dataclass
class Document:
    """A document served as the JWKS is: max-age, its ETag, 304 to If-None-Match."""

    body: bytes
    etag: str
    max_age: int = 60


@dataclass(frozen=True)
class Posted:
    path: str
    form: dict[str, str]
    authorization: str | None


@dataclass
class SigningKey:
    kid: str
    private_key: ec.EllipticCurvePrivateKey

    @property
    def jwk(self) -> dict[str, Any]:
        jwk = ECAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "alg": "ES256", "use": "sig"}


def new_key() -> SigningKey:
    return SigningKey(uuid.uuid4().hex, ec.generate_private_key(ec.SECP256R1()))


@dataclass
class FakeIdp:
    issuer: str = ""
    keys: list[SigningKey] = field(default_factory=lambda: [new_key()])
    extra_jwks: list[Any] = field(default_factory=list)  # raw members added to the JWKS
    jwks_max_age: int = 60
    answers: dict[str, Answer] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    not_modified: Counter[str] = field(default_factory=Counter)  # 304s answered
    clock: MovableClock = field(default_factory=MovableClock)  # what tokens are issued at
    posted: list[Posted] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def token(
        self, claims: dict[str, Any] | None = None, *, key: SigningKey | None = None, **header: Any
    ) -> str:
        now = self.clock.now()
        body = {
            "iss": self.issuer,
            "sub": "service-1",
            "aud": "https://api.example",
            "client_id": "service-1",
            "jti": uuid.uuid4().hex,
            "iat": now,
            "exp": now + 300,
            **(claims or {}),
        }
        signer = key or self.keys[0]
        headers = {"kid": signer.kid, "typ": "at+jwt", **header}
        return jwt.encode(body, signer.private_key, algorithm="ES256", headers=headers)

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": self.issuer + JWKS,
            "token_endpoint": self.issuer + "/token",
            "id_token_signing_alg_values_supported": ["ES256", "RS256", "HS256", "none"],
        }

    def jwks(self) -> bytes:
        return json.dumps({"keys": [key.jwk for key in self.keys] + self.extra_jwks}).encode()

    def answer(self, path: str, if_none_match: str | None) -> Answer:
        if path in self.answers:
            return self.answers[path]
        if path in self.documents:
            document = self.documents[path]
            headers = {"Cache-Control": f"max-age={document.max_age}", "ETag": document.etag}
            if if_none_match == document.etag:
                self.not_modified[path] += 1
                return Answer(304, headers=headers)
            return Answer(body=document.body, headers=headers)
        if path == DISCOVERY:
            return Answer(body=json.dumps(self.discovery()).encode())
        if path == JWKS:
            body = self.jwks()
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            headers = {"Cache-Control": f"public, max-age={self.jwks_max_age}", "ETag": etag}
            if if_none_match == etag:
                self.not_modified[path] += 1
                return Answer(304, headers=headers)
            return Answer(body=body, headers=headers)
        return Answer(404, b"{}")

    def entered(self, path: str) -> None:
        with self._lock:
            self.requests[path] += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

    def left(self) -> None:
        with self._lock:
            self.in_flight -= 1


def _handler(fake: FakeIdp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            fake.entered(path)
            try:
                self._send(fake.answer(path, self.headers.get("if-none-match")))
            except OSError:
                pass  # the SDK gave up reading, as it should
            finally:
                fake.left()

        def do_POST(self) -> None:
            path = self.path.split("?")[0]
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            form = dict(parse_qsl(body.decode(), keep_blank_values=True))
            fake.posted.append(Posted(path, form, self.headers.get("authorization")))
            self.do_GET()

        def _send(self, answer: Answer) -> None:
            time.sleep(answer.delay)
            self.send_response(answer.status)
            headers = {"Content-Type": "application/json", **answer.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if not answer.drip:
                self.wfile.write(answer.body)
                return
            for byte in answer.body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(answer.drip)

    return Handler


@contextmanager
def fake_idp(**options: Any) -> Iterator[FakeIdp]:
    fake = FakeIdp(**options)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
