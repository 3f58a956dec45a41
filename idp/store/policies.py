"""The realm's policy versions (implements idp.authz.storage.PolicyStore). Adding a
version bumps the ``policies`` cache version in its transaction, first: on PostgreSQL
the counter's row lock then orders concurrent publications, so each reads the newest
number after the one before it committed and none collides on the next. (The very first
publication creates the counter's row; one racing it retries on the row it made.)"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from idp.authz.declarations import declaration_from_json, declaration_to_json
from idp.authz.policies import PolicySource
from idp.authz.policy_versions import PolicyContent, PolicyDraft, PolicyVersion, PolicyVersionInfo
from idp.store.cache_versions import POLICIES_CACHE, CacheVersionQueries
from idp.store.models import PolicySourceRow, PolicyVersionRow


class PolicyQueries(CacheVersionQueries):
    session: Session

    def add_policy_version(self, draft: PolicyDraft) -> PolicyVersionInfo:
        self._bump_policies_counter()
        newest = self.session.scalar(select(func.max(PolicyVersionRow.number))) or 0
        row = PolicyVersionRow(
            number=newest + 1,
            digest=draft.digest,
            declaration=declaration_to_json(draft.content.declaration),
            actor=draft.actor,
            comment=draft.comment,
            rollback_of=draft.rollback_of,
            created_at=draft.created_at,
        )
        self.session.add(row)
        self.session.flush()
        self.session.add_all(
            PolicySourceRow(
                version=row.number, policy_id=source.id, position=index, text=source.text
            )
            for index, source in enumerate(draft.content.sources)
        )
        self.session.flush()
        return _info(row)

    def _bump_policies_counter(self) -> None:
        try:
            with self.session.begin_nested():
                self.bump_cache_version(POLICIES_CACHE)
        except IntegrityError:  # another first publication created the row: now it locks
            self.bump_cache_version(POLICIES_CACHE)

    def load_policy_version(self, number: int | None) -> PolicyVersion | None:
        query = select(PolicyVersionRow)
        if number is None:
            query = query.order_by(PolicyVersionRow.number.desc()).limit(1)
        else:
            query = query.where(PolicyVersionRow.number == number)
        row = self.session.scalar(query)
        if row is None:
            return None
        sources = self.session.scalars(
            select(PolicySourceRow)
            .where(PolicySourceRow.version == row.number)
            .order_by(PolicySourceRow.position)
        )
        content = PolicyContent(
            declaration_from_json(row.declaration),
            tuple(PolicySource(source.policy_id, source.text) for source in sources),
        )
        return PolicyVersion(_info(row), content)

    def list_policy_versions(self, limit: int) -> list[PolicyVersionInfo]:
        rows = self.session.scalars(
            select(PolicyVersionRow).order_by(PolicyVersionRow.number.desc()).limit(limit)
        )
        return [_info(row) for row in rows]


def _info(row: PolicyVersionRow) -> PolicyVersionInfo:
    return PolicyVersionInfo(
        number=row.number,
        digest=row.digest,
        created_at=row.created_at,
        actor=row.actor,
        comment=row.comment,
        rollback_of=row.rollback_of,
    )
