"""The one check of the refresh-token grace period and offline-lifetime specs that is
their own; the web app, signing in and the refresh, introspection and UserInfo calls
are tests/support/relying_party.py and tests/support/sign_in.py."""

from __future__ import annotations

import httpx


def assert_invalid_grant(response: httpx.Response) -> None:
    """RFC 6749 §5.2."""
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant", response.text
