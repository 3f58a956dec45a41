"""What the input-bounds tests send (crafted JWTs, control characters, hand-made Basic
credentials) and what they look at afterwards (error pages, JSON errors, row counts)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import func, select

from idp.store.models import Base
from tests.support.clock import MovableClock
from tests.support.server import RunningIdp

# NUL (PostgreSQL cannot store it), two other C0 controls and DEL.
CONTROL_CHARACTERS = ("\x00", "\x01", "\x1f", "\x7f")
CONTROL_IDS = ("NUL", "SOH", "US", "DEL")
JUNK_SIGNATURE = "c2lnbmF0dXJlLW9mLW5vLWtleQ"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def crafted_jwt(header: object, payload: Mapping[str, Any]) -> str:
    """A compact JWS whose header is any JSON value, with a signature of no key."""
    encoded_header = b64url(json.dumps(header).encode())
    encoded_payload = b64url(json.dumps(dict(payload)).encode())
    return f"{encoded_header}.{encoded_payload}.{JUNK_SIGNATURE}"


def access_token_claims(idp: RunningIdp, **overrides: Any) -> dict[str, Any]:
    """Claims an access token of this server would carry (RFC 9068 §2.2)."""
    now = idp.clock.now()
    return {
        "iss": idp.base_url,
        "sub": str(uuid.uuid4()),
        "aud": idp.base_url,
        "client_id": "some-client",
        "scope": "openid profile",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 300,
        **overrides,
    }


def signing_kid(idp: RunningIdp, alg: str = "ES256") -> str:
    """The kid of one of the server's published keys, so only the header is wrong."""
    keys = httpx.get(f"{idp.base_url}/jwks", timeout=10).json()["keys"]
    return str(next(key["kid"] for key in keys if key.get("alg") == alg))


def basic_authorization(client_id: str, secret: str, *, form_encoded: bool) -> str:
    """An HTTP Basic header; RFC 6749 §2.3.1 form-encodes both parts first."""
    if form_encoded:
        client_id, secret = quote(client_id, safe=""), quote(secret, safe="")
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def assert_no_server_error(response: httpx.Response) -> None:
    assert response.status_code < 500, f"{response.status_code}: {response.text}"


def assert_json_error(response: httpx.Response, error: str, status: int) -> dict[str, Any]:
    """RFC 6749 §5.2: a JSON error body with this code and status."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    assert response.headers["content-type"].startswith("application/json"), response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == error, body
    return body


def assert_error_page(response: httpx.Response, status: int = 400) -> None:
    """An HTML error page on the server itself: nothing is sent to the client."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    assert "location" not in response.headers, response.headers["location"]
    assert response.headers["content-type"].startswith("text/html"), response.text
    assert "Error code:" in response.text, response.text


def table_row_counts(idp: RunningIdp) -> dict[str, int]:
    """How many rows every table holds (read through the server's own database
    connections): a refused request must not change any. What the node writes in the
    background for earlier requests (the status-list entries of tokens it issued) is
    written first."""
    idp.provider.status_indexes.flush()
    with idp.provider.database.reading() as session:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }


@contextmanager
def clock_stopped_at(clock: MovableClock, instant: int) -> Iterator[None]:
    """Every reading of the server's clock gives ``instant`` until the block ends; then
    time runs on from there. A test can stand one second before a deadline without the
    real clock carrying it over."""
    clock.now = lambda: instant  # type: ignore[method-assign]
    try:
        yield
    finally:
        del clock.now
        clock.offset += instant - clock.now()
