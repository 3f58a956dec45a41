"""Mailed links (implements idp.authn.storage.MailLinkStore)."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from idp.authn.mail_links import LinkPurpose, MailLink
from idp.authn.users import User
from idp.store.database import affected_rows
from idp.store.models import MailLinkRow, UserRow
from idp.store.users import _to_user


class MailLinkQueries:
    session: Session

    def load_user_by_email(self, email: str) -> User | None:
        rows = self.session.scalars(
            select(UserRow).where(func.lower(UserRow.email) == email.lower()).limit(2)
        ).all()
        return _to_user(rows[0]) if len(rows) == 1 else None

    def save_mail_link(self, link: MailLink) -> None:
        self.session.add(
            MailLinkRow(
                token_digest=link.token_digest,
                purpose=str(link.purpose),
                user_id=link.user_id,
                browser_digest=link.browser_digest,
                interaction=link.interaction,
                created_at=link.created_at,
                expires_at=link.expires_at,
                used_at=link.used_at,
            )
        )
        self.session.flush()

    def load_mail_link(self, token_digest: str) -> MailLink | None:
        row = self.session.get(MailLinkRow, token_digest)
        if row is None:
            return None
        return MailLink(
            token_digest=row.token_digest,
            purpose=LinkPurpose(row.purpose),
            user_id=row.user_id,
            created_at=row.created_at,
            expires_at=row.expires_at,
            used_at=row.used_at,
            browser_digest=row.browser_digest,
            interaction=row.interaction,
        )

    def use_mail_link(self, token_digest: str, now: int) -> bool:
        row = MailLinkRow
        result = self.session.execute(
            update(row)
            .where(row.token_digest == token_digest)
            .where(row.used_at.is_(None))
            .where(row.expires_at > now)
            .values(used_at=now),
            execution_options={"synchronize_session": False},
        )
        return affected_rows(result) == 1

    def discard_mail_links(self, user_id: str, purpose: str) -> None:
        row = MailLinkRow
        self.session.execute(
            delete(row).where(row.user_id == user_id, row.purpose == purpose),
            execution_options={"synchronize_session": False},
        )
