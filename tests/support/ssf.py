"""A Shared Signals receiver's side (SSF 1.0): a client with the ssf scopes, its
client-credentials token, stream management calls, and checking the SETs it gets."""

from __future__ import annotations

from typing import Any

import httpx
import jwt

from tests.support.assertions import jwks
from tests.support.relying_party import App, service_app, service_token
from tests.support.server import RunningIdp

SSF_SCOPES = "ssf.manage ssf.read"
TIMEOUT = 30


def ssf_receiver(idp: RunningIdp, scope: str = SSF_SCOPES) -> App:
    return service_app(idp, scope=scope, resources=[])


def ssf_token(idp: RunningIdp, app: App) -> str:
    return service_token(idp, app)


def ssf_call(
    idp: RunningIdp, method: str, path: str, token: str | None, **options: Any
) -> httpx.Response:
    headers = dict(options.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.request(method, idp.base_url + path, headers=headers, timeout=TIMEOUT, **options)


def create_stream(idp: RunningIdp, token: str, **configuration: Any) -> dict[str, Any]:
    response = ssf_call(idp, "POST", "/ssf/streams", token, json=configuration)
    assert response.status_code == 201, response.text
    stream: dict[str, Any] = response.json()
    return stream


def poll(idp: RunningIdp, token: str, stream: dict[str, Any], **body: Any) -> dict[str, Any]:
    body.setdefault("returnImmediately", True)
    path = stream["delivery"]["endpoint_url"].removeprefix(idp.issuer)
    response = ssf_call(idp, "POST", path, token, json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def verified_set(idp: RunningIdp, token: str, audience: str) -> dict[str, Any]:
    """RFC 8417 and SSF 1.0 §4: typ secevent+jwt, our signature, iss, aud, jti, iat,
    one event, sub_id; never sub or exp."""
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "secevent+jwt"
    [key] = [key for key in jwks(idp)["keys"] if key["kid"] == header["kid"]]
    claims: dict[str, Any] = jwt.decode(
        token,
        jwt.PyJWK(key).key,
        algorithms=[header["alg"]],
        issuer=idp.issuer,
        audience=audience,
        options={"require": ["iss", "iat", "jti", "aud"]},
    )
    assert "sub" not in claims
    assert "exp" not in claims
    assert len(claims["events"]) == 1
    assert "sub_id" in claims
    return claims


def event_of(claims: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    [(event_type, payload)] = claims["events"].items()
    return event_type, payload


class SseReader:
    """A Server-Sent Events subscriber (WHATWG HTML §9.2.6 parsing, enough for ours):
    events as (id, event type, data); comments (heartbeats) counted."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.iter_lines()
        self.comments = 0

    def next_event(self) -> tuple[str, str, str]:
        fields: dict[str, str] = {}
        for line in self.lines:
            if line == "":
                if "data" in fields:
                    return fields.get("id", ""), fields.get("event", "message"), fields["data"]
                continue
            if line.startswith(":"):
                self.comments += 1
                continue
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        raise AssertionError("the stream ended")

    def events(self, count: int) -> list[tuple[str, str, str]]:
        return [self.next_event() for _ in range(count)]


def sse_connect(
    idp: RunningIdp, token: str, stream: dict[str, Any], last_event_id: str | None = None
) -> Any:
    """A context manager: the open response (check its status), read with SseReader."""
    headers: dict[str, str | bytes] = {
        "Authorization": f"Bearer {token}",
        "Accept": "text/event-stream",
    }
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id.encode("latin-1")  # as a client may send
    path = stream["delivery"]["endpoint_url"].removeprefix(idp.issuer)
    return httpx.stream(
        "GET", idp.base_url + path, headers=headers, timeout=httpx.Timeout(15.0, connect=5.0)
    )
