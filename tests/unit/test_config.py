"""idp.config: settings are validated at start, and a refusal names the environment
variable to change. Here: the publish delay of a new signing key may not be shorter
than the time every node and verifier takes to see it (idp.keys.publication)."""

from __future__ import annotations

import os

import pytest

from idp.config import ConfigError, Settings, load_settings
from idp.keys.publication import minimum_publish_delay


@pytest.fixture(autouse=True)
def no_idp_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the values a test passes count, not the environment it runs in."""
    for name in list(os.environ):
        if name.startswith("IDP_"):
            monkeypatch.delenv(name)


def test_the_defaults_are_above_the_floor():
    settings = load_settings()
    assert settings.key_publish_delay >= minimum_publish_delay(settings.key_cache_ttl)


def test_a_publish_delay_at_the_floor_is_accepted():
    floor = minimum_publish_delay(30)
    settings = load_settings(key_cache_ttl=30, key_publish_delay=floor)
    assert settings.key_publish_delay == floor


@pytest.mark.parametrize("key_cache_ttl", [1, 30, 600])
def test_a_publish_delay_below_the_floor_is_refused(key_cache_ttl):
    floor = minimum_publish_delay(key_cache_ttl)
    with pytest.raises(ConfigError) as raised:
        load_settings(key_cache_ttl=key_cache_ttl, key_publish_delay=floor - 1)
    assert str(floor) in str(raised.value)


def test_the_refusal_names_idp_key_publish_delay():
    # ConfigError: "the message names each bad variable" -- the one to change here.
    with pytest.raises(ConfigError) as raised:
        load_settings(key_cache_ttl=30, key_publish_delay=89)
    assert "IDP_KEY_PUBLISH_DELAY" in str(raised.value)


def test_the_floor_follows_the_key_cache_ttl_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("IDP_KEY_CACHE_TTL", "600")
    monkeypatch.setenv("IDP_KEY_PUBLISH_DELAY", "659")
    with pytest.raises(ConfigError):
        load_settings()
    monkeypatch.setenv("IDP_KEY_PUBLISH_DELAY", "660")
    assert load_settings().key_publish_delay == 660


def test_settings_itself_refuses_too():
    # The floor is a rule of the settings, whatever builds them.
    with pytest.raises(ValueError, match="key_publish_delay"):
        Settings(key_cache_ttl=30, key_publish_delay=0)


def test_with_a_bus_its_poll_interval_must_stay_below_the_staleness_bound():
    bus = {"redis_url": "redis://127.0.0.1:6379/0"}
    with pytest.raises(ConfigError, match="IDP_BUS_POLL_INTERVAL"):
        load_settings(bus_poll_interval=60, cache_max_staleness=60, **bus)
    assert load_settings(bus_poll_interval=59, cache_max_staleness=60, **bus).redis_url
    # Without a bus the interval is never used, so a small staleness bound is fine.
    assert load_settings(cache_max_staleness=6).cache_max_staleness == 6
