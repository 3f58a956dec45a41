"""Authorization codes, refresh tokens, consents, revocations and client assertion ids
(implements the grant-related Protocols of idp.oauth.storage)."""

from __future__ import annotations

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from idp.oauth.grants import AuthorizationCode, IssuedTokens, RefreshToken
from idp.store.database import affected_rows
from idp.store.models import (
    AuthorizationCodeRow,
    ClientAssertionRow,
    ConsentRow,
    RefreshTokenRow,
    RevocationRow,
)


class GrantQueries:
    session: Session

    def save_code(self, code_digest: str, code: AuthorizationCode) -> None:
        self.session.add(AuthorizationCodeRow(code_digest=code_digest, **code.__dict__))
        self.session.flush()

    def load_code(self, code_digest: str) -> AuthorizationCode | None:
        row = self.session.get(AuthorizationCodeRow, code_digest)
        if row is None:
            return None
        return AuthorizationCode(
            client_id=row.client_id,
            user_id=row.user_id,
            redirect_uri=row.redirect_uri,
            scope=row.scope,
            nonce=row.nonce,
            code_challenge=row.code_challenge,
            sid=row.sid,
            auth_time=row.auth_time,
            acr=row.acr,
            amr=list(row.amr),
            expires_at=row.expires_at,
            used_at=row.used_at,
        )

    def mark_code_used(self, code_digest: str, now: int) -> bool:
        result = self.session.execute(
            update(AuthorizationCodeRow)
            .where(
                AuthorizationCodeRow.code_digest == code_digest,
                AuthorizationCodeRow.used_at.is_(None),
            )
            .values(used_at=now)
        )
        return affected_rows(result) > 0

    def record_issued_tokens(self, code_digest: str, issued: IssuedTokens) -> None:
        self.session.execute(
            update(AuthorizationCodeRow)
            .where(AuthorizationCodeRow.code_digest == code_digest)
            .values(
                access_token_jti=issued.access_token_jti,
                access_token_expires_at=issued.access_token_expires_at,
                refresh_family_id=issued.refresh_family_id,
            )
        )

    def revoke_code_grant(self, code_digest: str, now: int) -> None:
        row = self.session.get(AuthorizationCodeRow, code_digest, populate_existing=True)
        if row is None or row.access_token_jti is None:
            return
        self.session.add(
            RevocationRow(
                kind="jti",
                value=row.access_token_jti,
                reason="authorization_code_reuse",
                revoked_at=now,
                prune_after=row.access_token_expires_at or now,
            )
        )
        if row.refresh_family_id:
            self.session.execute(
                update(RefreshTokenRow)
                .where(
                    RefreshTokenRow.family_id == row.refresh_family_id,
                    RefreshTokenRow.revoked_at.is_(None),
                )
                .values(revoked_at=now)
            )
        row.access_token_jti = None
        self.session.flush()

    def save_refresh_token(self, token_digest: str, token: RefreshToken) -> None:
        self.session.add(
            RefreshTokenRow(token_digest=token_digest, revoked_at=None, **token.__dict__)
        )
        self.session.flush()

    def is_revoked(self, kind: str, value: str) -> bool:
        return bool(
            self.session.scalar(
                select(exists().where(RevocationRow.kind == kind, RevocationRow.value == value))
            )
        )

    def record_assertion(self, client_id: str, jti: str, expires_at: int) -> bool:
        try:
            with self.session.begin_nested():
                self.session.add(
                    ClientAssertionRow(client_id=client_id, jti=jti, expires_at=expires_at)
                )
        except IntegrityError:
            return False
        return True

    def load_consented_scope(self, user_id: str, client_id: str) -> frozenset[str]:
        row = self.session.get(ConsentRow, (user_id, client_id))
        return frozenset(row.scope.split()) if row else frozenset()

    def save_consent(self, user_id: str, client_id: str, scope: frozenset[str], now: int) -> None:
        granted = scope | self.load_consented_scope(user_id, client_id)
        self.session.merge(
            ConsentRow(
                user_id=user_id,
                client_id=client_id,
                scope=" ".join(sorted(granted)),
                updated_at=now,
            )
        )
        self.session.flush()
