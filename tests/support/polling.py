"""Waiting for what a server does in the background (a node's cache refresher), with
deadlines instead of fixed sleeps."""

from __future__ import annotations

import time
from collections.abc import Callable

INTERVAL = 0.05


def eventually(check: Callable[[], bool], within: float = 5.0) -> bool:
    """Whether ``check`` comes true within ``within`` seconds (checked once more at the
    deadline, so a slow machine gets the whole bound)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(INTERVAL)
    return check()


def after_the_second(instant: float) -> None:
    """Wait until the wall clock has passed the whole second ``instant`` falls in.
    Revocations of everything a user or client holds cover the tokens issued up to and
    including their second (idp.revocation.records: same second, fail closed)."""
    while int(time.time()) <= int(instant):
        time.sleep(INTERVAL)
