"""What revocation needs from storage."""

from __future__ import annotations

from typing import Any, Protocol


class RevocationStore(Protocol):
    def add_revocation(
        self, kind: str, value: str, *, reason: str, now: int, prune_after: int
    ) -> None: ...

    def revocations_since(self, last_id: int, now: int) -> list[tuple[int, str, str, int]]: ...

    def record_security_event(
        self,
        event_type: str,
        *,
        subject: str,
        now: int,
        client_id: str | None = None,
        sid: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None: ...
