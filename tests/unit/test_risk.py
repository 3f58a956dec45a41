"""idp.authn.risk: networks (/24, /48), device cookies, the assessment."""

from __future__ import annotations

import os

import pytest

from idp.authn.risk import (
    MAX_NETWORKS,
    DeviceCookies,
    Refusal,
    RememberedDevice,
    Signal,
    assess,
    network_of,
    with_network,
)
from idp.sealing import Sealer

NOW = 1_800_000_000


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("198.51.100.7", "198.51.100.0/24"),
        ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
        ("::ffff:198.51.100.7", "198.51.100.0/24"),  # an IPv4 peer on a dual stack
        ("unknown", None),
        ("", None),
    ],
)
def test_network_of(address, network):
    assert network_of(address) == network


def test_networks_keep_the_most_recent():
    networks: tuple[str, ...] = ()
    for index in range(MAX_NETWORKS + 3):
        networks = with_network(networks, f"10.0.{index}.0/24")
    assert len(networks) == MAX_NETWORKS
    assert networks[-1] == f"10.0.{MAX_NETWORKS + 2}.0/24"
    assert with_network(networks, networks[0])[-1] == networks[0]


def cookies(days: int = 30) -> DeviceCookies:
    return DeviceCookies(Sealer(os.urandom(32), b"remembered-device"), days)


def stored(device_digest: str, *networks: str) -> RememberedDevice:
    return RememberedDevice(device_digest, "ua", networks, NOW, NOW, NOW + 86400)


def test_a_cookie_of_the_user_on_a_known_network_is_known():
    jar = cookies()
    cookie, value = jar.issue("alice", NOW)
    evidence = jar.evidence(value, "198.51.100.7")
    device = stored(cookie.device_digest, "198.51.100.0/24")
    assert assess(evidence, "alice", device, NOW + 1).signal is Signal.KNOWN
    elsewhere = jar.evidence(value, "203.0.113.1")
    assert assess(elsewhere, "alice", device, NOW + 1).signal is Signal.NEW_NETWORK


@pytest.mark.parametrize(
    ("user", "later", "record", "refusal"),
    [
        ("bob", 1, True, Refusal.OTHER_USER),
        ("alice", 31 * 86400, True, Refusal.EXPIRED),
        ("alice", 1, False, Refusal.FORGOTTEN),
    ],
)
def test_cookies_not_to_be_believed(user, later, record, refusal):
    jar = cookies()
    cookie, value = jar.issue("alice", NOW)
    device = stored(cookie.device_digest, "198.51.100.0/24") if record else None
    assessment = assess(jar.evidence(value, "198.51.100.7"), user, device, NOW + later)
    assert (assessment.signal, assessment.refusal) == (Signal.REFUSED, refusal)


def test_another_instances_cookie_does_not_open():
    _cookie, value = cookies().issue("alice", NOW)
    evidence = cookies().evidence(value, "198.51.100.7")
    assert evidence.refused
    assert evidence.cookie is None
    assert assess(evidence, "alice", None, NOW).refusal is Refusal.FORGED
    assert cookies().evidence("x" * 5000, "198.51.100.7").refused


def test_off_means_no_evidence():
    jar = cookies(days=0)
    assert not jar.evidence("anything", "198.51.100.7").offered
