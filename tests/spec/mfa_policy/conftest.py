from __future__ import annotations

from tests.support.authorization import browser, user

__all__ = ["browser", "user"]
