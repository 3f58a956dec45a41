"""X-Forwarded-For is believed from IDP_TRUSTED_PROXIES only, and then only its
right-most hop that no trusted proxy added (RFC 7239 §7.4): a caller cannot pick the
address it is counted under."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.spec.owasp_brute_force.attempts import attempt
from tests.spec.owasp_brute_force.conftest import THROTTLE
from tests.support.databases import database_url
from tests.support.flows import LoopbackBrowser, create_user, fresh_loopback_address, register
from tests.support.server import RunningIdp, running_idp

PROXY = fresh_loopback_address()


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIdp]:
    """Behind one trusted reverse proxy, at PROXY."""
    directory: Path = tmp_path_factory.mktemp("idp")
    with (
        database_url("sqlite", directory) as url,
        running_idp(url, directory, trusted_proxies=f"{PROXY}/32", **THROTTLE) as server,
    ):
        yield server


def forwarded(browser: LoopbackBrowser, chain: str) -> LoopbackBrowser:
    browser.http.headers["X-Forwarded-For"] = chain
    return browser


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(idp):
    client, user = register(idp, public=True)[0], create_user(idp)
    with LoopbackBrowser(idp) as browser:
        for hop in range(idp.settings.throttle_free_attempts):
            attempt(forwarded(browser, f"198.51.100.{hop}"), client, user.username)
        refused = attempt(forwarded(browser, "198.51.100.99"), client, user.username)
    assert refused.status_code == 429


def test_a_trusted_proxy_names_the_caller(proxied):
    client, user = register(proxied, public=True)[0], create_user(proxied)
    with LoopbackBrowser(proxied, address=PROXY) as proxy:
        for _ in range(proxied.settings.throttle_free_attempts):
            attempt(forwarded(proxy, "203.0.113.7"), client, user.username)
        assert attempt(proxy, client, user.username).status_code == 429
        # Another caller behind the same proxy is counted apart.
        assert attempt(forwarded(proxy, "203.0.113.8"), client, user.username).status_code == 401


def test_what_the_caller_wrote_left_of_the_proxy_hop_is_not_believed(proxied):
    client, user = register(proxied, public=True)[0], create_user(proxied)
    with LoopbackBrowser(proxied, address=PROXY) as proxy:
        for hop in range(proxied.settings.throttle_free_attempts):
            attempt(forwarded(proxy, f"10.9.9.{hop}, 203.0.113.9"), client, user.username)
        refused = attempt(forwarded(proxy, "10.9.9.99, 203.0.113.9"), client, user.username)
    assert refused.status_code == 429


def test_a_peer_that_is_not_the_proxy_is_counted_as_itself(proxied):
    client, user = register(proxied, public=True)[0], create_user(proxied)
    with LoopbackBrowser(proxied) as direct:
        for hop in range(proxied.settings.throttle_free_attempts):
            attempt(forwarded(direct, f"203.0.113.{hop + 20}"), client, user.username)
        assert attempt(forwarded(direct, "203.0.113.99"), client, user.username).status_code == 429
