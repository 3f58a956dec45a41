"""idp.sessions.sso: the sliding idle timeout is written at most every touch interval, a
tenth of the idle timeout (so activity always extends it), at most a minute and at
least a second."""

from __future__ import annotations

import pytest

from idp.sessions.sso import SessionPolicy


@pytest.mark.parametrize(
    ("idle_timeout", "touch_interval"),
    [
        (28800, 60),  # the default idle timeout: capped at a minute
        (601, 60),
        (600, 60),  # exactly a tenth
        (599, 59),
        (300, 30),
        (60, 6),  # the smallest IDP_SESSION_IDLE_TIMEOUT
        (19, 1),
        (10, 1),
        (9, 1),  # a tenth is 0: at least a second
        (1, 1),
    ],
)
def test_touch_interval(idle_timeout, touch_interval):
    policy = SessionPolicy(idle_timeout=idle_timeout, absolute_timeout=86400)
    assert policy.touch_interval == touch_interval


@pytest.mark.parametrize("idle_timeout", [60, 61, 100, 599, 600, 3600, 28800, 86400])
def test_activity_always_extends_the_idle_timeout(idle_timeout):
    # A session used just before each touch is seen again well within its idle timeout.
    policy = SessionPolicy(idle_timeout=idle_timeout, absolute_timeout=86400)
    assert policy.touch_interval * 10 <= idle_timeout
    assert 1 <= policy.touch_interval <= 60
