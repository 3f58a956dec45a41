"""Cache version counters: writers bump them in the same transaction as the change,
nodes poll them to drop stale in-memory copies."""

from __future__ import annotations

from functools import partial

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from idp.store.database import CACHE_LISTENERS, affected_rows
from idp.store.models import CacheVersionRow
from idp.store.revocations import AFTER_COMMIT

CLIENTS_CACHE = "clients"
AUTHZ_CACHE = "authz"  # roles, groups, assignments, user attributes (idp.authz.cache)
POLICIES_CACHE = "policies"  # published policy versions (idp.authz.decision_point)


class CacheVersionQueries:
    session: Session

    def bump_cache_version(self, name: str) -> None:
        result = self.session.execute(
            update(CacheVersionRow)
            .where(CacheVersionRow.name == name)
            .values(version=CacheVersionRow.version + 1)
        )
        if not affected_rows(result):
            self.session.add(CacheVersionRow(name=name, version=1))
            self.session.flush()
        for listener in self.session.info.get(CACHE_LISTENERS, ()):
            self.session.info.setdefault(AFTER_COMMIT, []).append(partial(listener, name))

    def cache_version(self, name: str) -> int:
        return (
            self.session.scalar(select(CacheVersionRow.version).where(CacheVersionRow.name == name))
            or 0
        )
