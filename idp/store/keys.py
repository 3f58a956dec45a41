"""Signing keys (implements idp.keys.storage.KeyStore)."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from idp.keys.signing import Algorithm, StoredKey
from idp.store.database import affected_rows
from idp.store.models import CacheVersionRow, SigningKeyRow

KEYS_LOCK = "keys"


class KeyQueries:
    session: Session

    def list_keys(self) -> list[StoredKey]:
        rows = self.session.scalars(
            select(SigningKeyRow).order_by(SigningKeyRow.created_at, SigningKeyRow.kid)
        )
        return [
            StoredKey(
                kid=row.kid,
                alg=Algorithm(row.alg),
                sealed_private_key=row.sealed_private_key,
                public_jwk=row.public_jwk,
                created_at=row.created_at,
                activates_at=row.activates_at,
                expires_at=row.expires_at,
            )
            for row in rows
        ]

    def add_key(self, key: StoredKey) -> None:
        self.session.add(
            SigningKeyRow(
                kid=key.kid,
                alg=key.alg.value,
                sealed_private_key=key.sealed_private_key,
                public_jwk=key.public_jwk,
                created_at=key.created_at,
                activates_at=key.activates_at,
                expires_at=key.expires_at,
            )
        )
        self.session.flush()

    def lock_key_rotation(self) -> None:
        # Writing first takes the lock: a row lock on PostgreSQL, the database write lock
        # on SQLite. A second node waits here, then sees the keys the first one made.
        self.session.execute(
            update(CacheVersionRow)
            .where(CacheVersionRow.name == KEYS_LOCK)
            .values(version=CacheVersionRow.version + 1)
        )

    def set_expiry(self, kid: str, expires_at: int) -> None:
        self.session.execute(
            update(SigningKeyRow).where(SigningKeyRow.kid == kid).values(expires_at=expires_at)
        )

    def delete_expired(self, now: int) -> int:
        result = self.session.execute(delete(SigningKeyRow).where(SigningKeyRow.expires_at <= now))
        return affected_rows(result)
