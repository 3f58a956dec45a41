"""Second factors (implements idp.authn.storage.SecondFactorStore): TOTP credentials and
recovery codes, each use a conditional UPDATE so that a code is accepted once."""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from idp.authn.storage import TotpCredential
from idp.store.database import affected_rows
from idp.store.models import RecoveryCodeRow, RememberedDeviceRow, TotpCredentialRow


class SecondFactorQueries:
    session: Session

    def load_totp_credential(self, user_id: str) -> TotpCredential | None:
        row = self.session.get(TotpCredentialRow, user_id)
        return TotpCredential(row.sealed_secret, row.last_used_step) if row else None

    def save_totp_credential(
        self, user_id: str, sealed_secret: bytes, last_used_step: int, now: int
    ) -> None:
        self.session.execute(delete(TotpCredentialRow).where(TotpCredentialRow.user_id == user_id))
        self.session.add(
            TotpCredentialRow(
                user_id=user_id,
                sealed_secret=sealed_secret,
                created_at=now,
                last_used_step=last_used_step,
            )
        )
        self.session.flush()

    def use_totp_step(self, user_id: str, step: int) -> bool:
        row = TotpCredentialRow
        result = self.session.execute(
            update(row)
            .where(row.user_id == user_id)
            .where(or_(row.last_used_step.is_(None), row.last_used_step < step))
            .values(last_used_step=step)
        )
        return affected_rows(result) == 1

    def replace_recovery_codes(self, user_id: str, digests: list[str], now: int) -> None:
        self.session.execute(delete(RecoveryCodeRow).where(RecoveryCodeRow.user_id == user_id))
        self.session.add_all(
            RecoveryCodeRow(user_id=user_id, code_digest=code, created_at=now) for code in digests
        )
        self.session.flush()

    def use_recovery_code(self, user_id: str, code_digest: str, now: int) -> bool:
        row = RecoveryCodeRow
        result = self.session.execute(
            update(row)
            .where(row.user_id == user_id, row.code_digest == code_digest, row.used_at.is_(None))
            .values(used_at=now)
        )
        return affected_rows(result) == 1

    def count_unused_recovery_codes(self, user_id: str) -> int:
        row = RecoveryCodeRow
        query = select(func.count()).where(row.user_id == user_id, row.used_at.is_(None))
        return int(self.session.scalar(query) or 0)

    def delete_second_factors(self, user_id: str) -> bool:
        self.session.execute(delete(RecoveryCodeRow).where(RecoveryCodeRow.user_id == user_id))
        self.session.execute(
            delete(RememberedDeviceRow).where(RememberedDeviceRow.user_id == user_id)
        )
        result = self.session.execute(
            delete(TotpCredentialRow).where(TotpCredentialRow.user_id == user_id)
        )
        return affected_rows(result) > 0
