"""`idp serve --demo` registers examples/web_app.py (its callback, post-logout page and
back-channel logout URI) and lets back-channel logout reach exactly that loopback URI:
not the rest of the private network, which IDP_OUTBOUND_ALLOW_PRIVATE would open."""

from __future__ import annotations

import pytest

from idp.demo.example_app import (
    EXAMPLE_BACKCHANNEL_LOGOUT_URI,
    EXAMPLE_POST_LOGOUT_REDIRECT_URI,
    EXAMPLE_REDIRECT_URI,
)
from idp.demo.seed import DEMO_CLIENT_NAME, seed_demo
from idp.outbound import ForbiddenTargetError, OutboundClient
from tests.support.databases import database_url
from tests.support.server import running_idp


def test_the_demo_allows_back_channel_logout_to_the_example_only():
    outbound = OutboundClient(private_targets=frozenset([EXAMPLE_BACKCHANNEL_LOGOUT_URI]))
    outbound.check_target(EXAMPLE_BACKCHANNEL_LOGOUT_URI)
    for other in (
        "http://127.0.0.1:9000/other",
        "http://127.0.0.1:9001/backchannel-logout",
        "http://10.0.0.1/backchannel-logout",
    ):
        with pytest.raises(ForbiddenTargetError):
            outbound.check_target(other)


def test_the_demo_client_registers_the_example(tmp_path):
    with (
        database_url("sqlite", tmp_path) as url,
        running_idp(url, tmp_path, demo=True) as idp,
        idp.provider.store() as store,
    ):
        printed = seed_demo(store, idp.provider)
        [client] = [c for c in store.list_clients() if c.name == DEMO_CLIENT_NAME]
    assert EXAMPLE_REDIRECT_URI in client.redirect_uris
    assert EXAMPLE_POST_LOGOUT_REDIRECT_URI in client.post_logout_redirect_uris
    assert client.backchannel_logout_uri == EXAMPLE_BACKCHANNEL_LOGOUT_URI
    assert f"examples/web_app.py --issuer {idp.issuer} --client-id {client.client_id}" in printed
