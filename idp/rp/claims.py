"""The claims of a validated token."""

from __future__ import annotations

from typing import Any


class Claims(dict[str, Any]):
    """The token's claims as a dict, with the few every caller reads, typed."""

    @property
    def subject(self) -> str:
        return str(self["sub"])

    @property
    def scopes(self) -> frozenset[str]:
        """RFC 9068 §2.2.3: ``scope``, space-separated; none when absent."""
        scope = self.get("scope")
        return frozenset(scope.split()) if isinstance(scope, str) else frozenset()

    @property
    def audiences(self) -> tuple[str, ...]:
        """RFC 7519 §4.1.3: ``aud``, a string or a list of strings."""
        audience = self.get("aud")
        return (audience,) if isinstance(audience, str) else tuple(audience or ())
