"""What authentication needs from storage."""

from __future__ import annotations

from typing import Protocol

from idp.authn.users import User


class UserStore(Protocol):
    def load_user(self, user_id: str) -> User | None: ...

    def load_user_by_username(self, username: str) -> User | None: ...

    def set_password_hash(self, user_id: str, password_hash: str) -> None: ...
