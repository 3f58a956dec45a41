"""What interactions need from storage: the consents users gave to parties."""

from __future__ import annotations

from typing import Protocol

from idp.scope import Scope


class ConsentStore(Protocol):
    def load_consented_scope(self, user_id: str, party_id: str) -> Scope: ...

    def save_consent(self, user_id: str, party_id: str, scope: Scope, now: int) -> None:
        """Add ``scope`` to what the user allowed the party (concurrent saves merge)."""
        ...
