"""What the push delivery tests share: a server allowed to push to loopback receivers
(IDP_OUTBOUND_ALLOW_PRIVATE), a receiver that answers 202, a push stream, an event."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.support.databases import database_url
from tests.support.logout_receiver import Behaviour, LogoutReceiver, logout_receiver
from tests.support.relying_party import revoke, service_app, service_token
from tests.support.server import RunningIdp, running_idp
from tests.support.ssf import create_stream, ssf_receiver, ssf_token

TOKEN_REVOKED = "https://schemas.openid.net/secevent/oauth/event-type/token-revoked"


@contextmanager
def pushing_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIdp]:
    directory = tmp_path_factory.mktemp("idp")
    with (
        database_url("sqlite", directory) as url,
        running_idp(url, directory, outbound_allow_private=True) as server,
    ):
        yield server


@contextmanager
def push_receiver() -> Iterator[LogoutReceiver]:
    with logout_receiver() as receiver:
        receiver.behaviour = Behaviour(status=202)
        yield receiver


def push_delivery(receiver: LogoutReceiver, **delivery: Any) -> dict[str, Any]:
    return {"method": "urn:ietf:rfc:8935", "endpoint_url": f"{receiver.origin}/events", **delivery}


def push_stream(
    idp: RunningIdp, receiver: LogoutReceiver, **delivery: Any
) -> tuple[str, dict[str, Any]]:
    token = ssf_token(idp, ssf_receiver(idp))
    stream = create_stream(
        idp, token, events_requested=[TOKEN_REVOKED], delivery=push_delivery(receiver, **delivery)
    )
    return token, stream


def revoke_a_token(idp: RunningIdp) -> None:
    app = service_app(idp)
    assert revoke(idp, app, service_token(idp, app)).status_code == 200
