"""Suspension: the quarantine of a user or a client, which can be lifted.

While a user or a client is suspended, every live token of theirs has the status
SUSPENDED in the status lists and is inactive at introspection and UserInfo, and none
is issued to them; lifting the suspension makes those tokens valid again (unlike a
revocation, which is final). Suspensions are few, so every node holds them all in
memory and reloads them whole: with the revocations (IDP_CACHE_POLL_INTERVAL), and at
once when the event bus says they changed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class SuspendedKind(StrEnum):
    SUBJECT = "sub"
    CLIENT = "client_id"


@dataclass(frozen=True)
class Suspension:
    kind: SuspendedKind
    value: str
    since: int
    reason: str
    actor: str


class Suspensions:
    def __init__(self, load: Callable[[], list[Suspension]]) -> None:
        self._load = load
        self._held: frozenset[tuple[SuspendedKind, str]] = frozenset()
        self._lock = threading.Lock()
        self.version = 0  # changes whenever what is suspended does

    @property
    def held(self) -> frozenset[tuple[SuspendedKind, str]]:
        return self._held

    def holds(self, subject: str, client_id: str) -> bool:
        held = self._held
        return (SuspendedKind.SUBJECT, subject) in held or (SuspendedKind.CLIENT, client_id) in held

    def holds_subject(self, subject: str) -> bool:
        return (SuspendedKind.SUBJECT, subject) in self._held

    def holds_client(self, client_id: str) -> bool:
        return (SuspendedKind.CLIENT, client_id) in self._held

    def refresh(self) -> None:
        held = frozenset((suspension.kind, suspension.value) for suspension in self._load())
        with self._lock:
            if held != self._held:
                self._held = held
                self.version += 1
