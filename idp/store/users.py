"""Users (implements idp.authn.storage.UserStore)."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from idp.authn.users import User
from idp.store.models import UserRow


def _to_user(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        email=row.email,
        email_verified=row.email_verified,
        name=row.name,
        given_name=row.given_name,
        family_name=row.family_name,
        password_hash=row.password_hash,
        disabled=row.disabled,
        mfa_required=row.mfa_required,
    )


class UserQueries:
    session: Session

    def load_user(self, user_id: str) -> User | None:
        row = self.session.get(UserRow, user_id)
        return _to_user(row) if row else None

    def load_user_by_username(self, username: str) -> User | None:
        row = self.session.scalar(select(UserRow).where(UserRow.username == username))
        return _to_user(row) if row else None

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self.session.execute(
            update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash)
        )

    def create_user(self, user: User, now: int) -> User:
        user_id = user.id or str(uuid.uuid4())
        self.session.add(
            UserRow(
                id=user_id,
                username=user.username,
                email=user.email,
                email_verified=user.email_verified,
                name=user.name,
                given_name=user.given_name,
                family_name=user.family_name,
                password_hash=user.password_hash,
                disabled=user.disabled,
                mfa_required=user.mfa_required,
                created_at=now,
                updated_at=now,
            )
        )
        self.session.flush()
        return User(**{**user.__dict__, "id": user_id})

    def list_users(self) -> list[User]:
        rows = self.session.scalars(select(UserRow).order_by(UserRow.username))
        return [_to_user(row) for row in rows]

    def update_profile(self, user: User, now: int) -> None:
        self.session.execute(
            update(UserRow)
            .where(UserRow.id == user.id)
            .values(
                email=user.email,
                email_verified=user.email_verified,
                name=user.name,
                given_name=user.given_name,
                family_name=user.family_name,
                updated_at=now,
            )
        )

    def set_user_disabled(self, user_id: str, disabled: bool, now: int) -> None:
        self.session.execute(
            update(UserRow).where(UserRow.id == user_id).values(disabled=disabled, updated_at=now)
        )

    def set_mfa_required(self, user_id: str, required: bool, now: int) -> None:
        self.session.execute(
            update(UserRow)
            .where(UserRow.id == user_id)
            .values(mfa_required=required, updated_at=now)
        )
