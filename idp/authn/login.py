"""Password login: one answer for every failure, so the form never reveals which
usernames exist (OWASP Authentication Cheat Sheet), and password hashing bounded to the
machine's cores, so a burst of logins cannot starve every other request.

Hashing runs in worker threads, at most ``concurrency`` at a time; the logins waiting
for a turn wait on the event loop, holding no thread."""

from __future__ import annotations

import asyncio
import os

from idp.authn.passwords import (
    MAX_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from idp.authn.users import User


class PasswordChecks:
    def __init__(self, concurrency: int | None = None) -> None:
        self.concurrency = concurrency or os.cpu_count() or 1
        self._turns: asyncio.Semaphore | None = None

    async def verify(self, user: User | None, password: str) -> User | None:
        """The active user whose password this is, or None. An unknown user costs the
        same verification; a password too long to be anyone's costs none."""
        if len(password) > MAX_PASSWORD_LENGTH:
            return None
        stored_hash = user.password_hash if user else None
        async with self._semaphore():
            matches = await asyncio.to_thread(verify_password, password, stored_hash)
        if not matches or user is None or user.disabled:
            return None
        return user

    async def rehash(self, user: User, password: str) -> str | None:
        """A new hash when the stored one was made with older parameters."""
        if not user.password_hash or not needs_rehash(user.password_hash):
            return None
        async with self._semaphore():
            return await asyncio.to_thread(hash_password, password)

    async def hash(self, password: str) -> str:
        """A new password's hash, taking a turn like a verification."""
        async with self._semaphore():
            return await asyncio.to_thread(hash_password, password)

    def _semaphore(self) -> asyncio.Semaphore:
        # Created on first use, inside the event loop that serves the requests.
        if self._turns is None:
            self._turns = asyncio.Semaphore(self.concurrency)
        return self._turns
