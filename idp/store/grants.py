"""Authorization codes, refresh tokens, consents and client assertion ids
(implements the grant-related Protocols of idp.oauth.storage)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from idp.oauth.grants import AuthorizationCode, IssuedTokens, RefreshToken
from idp.scope import Scope
from idp.store.database import affected_rows, insert_ignoring_conflicts
from idp.store.models import (
    AuthorizationCodeRow,
    ClientAssertionRow,
    ConsentRow,
    RefreshTokenRow,
)


class GrantQueries:
    session: Session

    def save_code(self, code_digest: str, code: AuthorizationCode) -> None:
        self.session.add(
            AuthorizationCodeRow(
                code_digest=code_digest,
                **{**code.__dict__, "scope": str(code.scope), "resources": list(code.resources)},
            )
        )
        self.session.flush()

    def load_code(self, code_digest: str) -> AuthorizationCode | None:
        row = self.session.get(AuthorizationCodeRow, code_digest)
        if row is None:
            return None
        return AuthorizationCode(
            client_id=row.client_id,
            user_id=row.user_id,
            redirect_uri=row.redirect_uri,
            scope=Scope.parse(row.scope),
            nonce=row.nonce,
            code_challenge=row.code_challenge,
            sid=row.sid,
            expires_at=row.expires_at,
            used_at=row.used_at,
            resources=tuple(row.resources),
            acr=row.acr,
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

    def take_back_code_grant(self, code_digest: str) -> IssuedTokens | None:
        """What the code's redemption issued, once (later calls get None)."""
        row = self.session.get(AuthorizationCodeRow, code_digest, populate_existing=True)
        if row is None or row.access_token_jti is None:
            return None
        issued = IssuedTokens(
            row.access_token_jti, row.access_token_expires_at or 0, row.refresh_family_id
        )
        row.access_token_jti = None
        self.session.flush()
        return issued

    def save_refresh_token(self, token_digest: str, token: RefreshToken) -> None:
        self.session.add(
            RefreshTokenRow(
                token_digest=token_digest,
                **{**token.__dict__, "scope": str(token.scope), "amr": list(token.amr)},
            )
        )
        self.session.flush()

    def load_refresh_token(self, token_digest: str) -> RefreshToken | None:
        # Read again, not from the identity map: another request may have rotated it.
        row = self.session.get(RefreshTokenRow, token_digest, populate_existing=True)
        if row is None:
            return None
        return RefreshToken(
            family_id=row.family_id,
            client_id=row.client_id,
            user_id=row.user_id,
            sid=row.sid,
            scope=Scope.parse(row.scope),
            auth_time=row.auth_time,
            created_at=row.created_at,
            expires_at=row.expires_at,
            offline=row.offline,
            acr=row.acr,
            amr=tuple(row.amr),
            rotated_at=row.rotated_at,
            revoked_at=row.revoked_at,
            access_token_jti=row.access_token_jti,
            access_token_expires_at=row.access_token_expires_at,
            replay_response=row.replay_response,
        )

    def mark_refresh_token_rotated(self, token_digest: str, now: int) -> bool:
        result = self.session.execute(
            update(RefreshTokenRow)
            .where(
                RefreshTokenRow.token_digest == token_digest,
                RefreshTokenRow.rotated_at.is_(None),
                RefreshTokenRow.revoked_at.is_(None),
            )
            .values(rotated_at=now)
        )
        return affected_rows(result) > 0

    def save_refresh_replay(self, token_digest: str, sealed_response: bytes) -> None:
        self.session.execute(
            update(RefreshTokenRow)
            .where(RefreshTokenRow.token_digest == token_digest)
            .values(replay_response=sealed_response)
        )

    def revoke_refresh_family(self, family_id: str, now: int) -> list[tuple[str, int]]:
        """Revoke the family; returns (jti, exp) of the access tokens issued with it."""
        issued = self.session.execute(
            select(RefreshTokenRow.access_token_jti, RefreshTokenRow.access_token_expires_at).where(
                RefreshTokenRow.family_id == family_id,
                RefreshTokenRow.access_token_jti.is_not(None),
                RefreshTokenRow.access_token_expires_at > now,
            )
        )
        self.session.execute(
            update(RefreshTokenRow)
            .where(RefreshTokenRow.family_id == family_id, RefreshTokenRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return [(jti, expires_at) for jti, expires_at in issued if jti and expires_at]

    def record_assertion(self, client_id: str, jti: str, expires_at: int) -> bool:
        try:
            with self.session.begin_nested():
                self.session.add(
                    ClientAssertionRow(client_id=client_id, jti=jti, expires_at=expires_at)
                )
        except IntegrityError:
            return False
        return True

    def load_consented_scope(self, user_id: str, party_id: str) -> Scope:
        row = self.session.get(ConsentRow, (user_id, party_id))
        return Scope.parse(row.scope) if row else Scope()

    def save_consent(self, user_id: str, party_id: str, scope: Scope, now: int) -> None:
        """Insert, or merge into the row another request (a second tab) wrote first."""
        values = {"user_id": user_id, "client_id": party_id, "updated_at": now}
        inserted = self.session.execute(
            insert_ignoring_conflicts(self.session, ConsentRow)
            .values(**values, scope=str(scope.sorted()))
            # RETURNING, not the row count: psycopg reports -1 for ON CONFLICT DO NOTHING.
            .returning(ConsentRow.user_id)
        )
        if inserted.first() is not None:
            return
        row = self.session.execute(
            select(ConsentRow)
            .where(ConsentRow.user_id == user_id, ConsentRow.client_id == party_id)
            # Locked, so that concurrent merges do not lose each other's scopes.
            .with_for_update()
        ).scalar_one()
        row.scope = str(Scope.of([*Scope.parse(row.scope), *scope]).sorted())
        row.updated_at = now
        self.session.flush()
