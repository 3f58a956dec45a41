"""idp.http.client_address: the peer, or behind trusted proxies the right-most hop of
X-Forwarded-For that they did not add (RFC 7239 §7.4)."""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from starlette.requests import Request

from idp.http.client_address import client_address

PROXIES = (ip_network("10.0.0.0/8"), ip_network("2001:db8::/32"))


def request_from(peer: str, *forwarded_for: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded_for]
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        ("192.0.2.1", ["198.51.100.1"], "192.0.2.1"),  # an untrusted peer: header ignored
        ("10.0.0.1", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.1", ["6.6.6.6, 198.51.100.1, 10.0.0.2"], "198.51.100.1"),
        ("10.0.0.1", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),  # repeated headers
        ("10.0.0.1", [], "10.0.0.1"),
        ("10.0.0.1", ["10.0.0.3"], "10.0.0.1"),  # all ours: the request began inside
        ("10.0.0.1", ["not-an-address"], "10.0.0.1"),
        ("2001:db8::1", ["2001:db9::5, 2001:db8::2"], "2001:db9::5"),
    ],
)
def test_the_caller_address(peer, forwarded_for, expected):
    assert client_address(request_from(peer, *forwarded_for), PROXIES) == expected


def test_no_trusted_proxies_means_the_peer():
    assert client_address(request_from("10.0.0.1", "198.51.100.1"), ()) == "10.0.0.1"
