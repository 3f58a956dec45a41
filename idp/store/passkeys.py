"""Passkeys (implements idp.authn.storage.PasskeyStore): WebAuthn credentials, each use
a conditional UPDATE of the sign count, and the challenges already used, each a
conditional insert, so a challenge is accepted once (WebAuthn L3 §13.4.3)."""

from __future__ import annotations

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from idp.authn.storage import Passkey
from idp.store.database import affected_rows, insert_ignoring_conflicts
from idp.store.models import PasskeyRow, WebAuthnChallengeRow


class PasskeyQueries:
    session: Session

    def list_passkeys(self, user_id: str) -> list[Passkey]:
        rows = self.session.scalars(
            select(PasskeyRow)
            .where(PasskeyRow.user_id == user_id)
            .order_by(PasskeyRow.created_at, PasskeyRow.credential_id)
        )
        return [_passkey(row) for row in rows]

    def load_passkey(self, credential_id: str) -> Passkey | None:
        row = self.session.get(PasskeyRow, credential_id)
        return _passkey(row) if row else None

    def has_passkey(self, user_id: str) -> bool:
        return bool(self.session.scalar(select(exists().where(PasskeyRow.user_id == user_id))))

    def add_passkey(self, passkey: Passkey) -> bool:
        statement = insert_ignoring_conflicts(self.session, PasskeyRow).values(
            credential_id=passkey.credential_id,
            user_id=passkey.user_id,
            public_key=passkey.public_key,
            sign_count=passkey.sign_count,
            transports=list(passkey.transports),
            name=passkey.name,
            aaguid=passkey.aaguid,
            synced=passkey.synced,
            created_at=passkey.created_at,
            last_used_at=passkey.last_used_at,
        )
        # RETURNING, not the row count: psycopg reports -1 for ON CONFLICT DO NOTHING.
        inserted = self.session.execute(statement.returning(PasskeyRow.credential_id))
        return inserted.first() is not None

    def record_passkey_use(
        self, credential_id: str, old_sign_count: int, new_sign_count: int, now: int
    ) -> bool:
        row = PasskeyRow
        result = self.session.execute(
            update(row)
            .where(row.credential_id == credential_id, row.sign_count == old_sign_count)
            .values(sign_count=new_sign_count, last_used_at=now)
        )
        return affected_rows(result) == 1

    def rename_passkey(self, user_id: str, credential_id: str, name: str) -> bool:
        row = PasskeyRow
        result = self.session.execute(
            update(row)
            .where(row.credential_id == credential_id, row.user_id == user_id)
            .values(name=name)
        )
        return affected_rows(result) == 1

    def delete_passkey(self, user_id: str, credential_id: str) -> bool:
        row = PasskeyRow
        result = self.session.execute(
            delete(row).where(row.credential_id == credential_id, row.user_id == user_id)
        )
        return affected_rows(result) == 1

    def use_webauthn_challenge(self, challenge_digest: str, expires_at: int) -> bool:
        statement = insert_ignoring_conflicts(self.session, WebAuthnChallengeRow).values(
            challenge_digest=challenge_digest, expires_at=expires_at
        )
        inserted = self.session.execute(statement.returning(WebAuthnChallengeRow.challenge_digest))
        return inserted.first() is not None


def _passkey(row: PasskeyRow) -> Passkey:
    return Passkey(
        credential_id=row.credential_id,
        user_id=row.user_id,
        public_key=row.public_key,
        sign_count=row.sign_count,
        transports=tuple(row.transports),
        name=row.name,
        aaguid=row.aaguid,
        synced=row.synced,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
    )
