"""Pruning deletes what nothing can use any more, and nothing else, on each backend."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from idp.revocation.records import MAX_TOKEN_LIFETIME
from idp.revocation.status_list import IssuedEntry
from idp.store.models import (
    AuthorizationCodeRow,
    RefreshTokenRow,
    SsoSessionRow,
    StatusBlockRow,
    StatusEntryBatchRow,
    StatusListRow,
)
from idp.store.status_lists import pack_entries
from tests.support.client_requests import redeem, token_request
from tests.support.flows import code_flow, create_user, register


@pytest.fixture
def idp(idp_on_each_backend):
    return idp_on_each_backend


def count(idp, table) -> int:
    with idp.provider.store() as store:
        return int(store.session.scalar(select(func.count()).select_from(table)) or 0)


def signed_in(idp):
    client, secret = register(idp, grant_types=["authorization_code", "refresh_token"])
    query, verifier = code_flow(idp, client, create_user(idp))
    tokens = redeem(idp, client, query["code"], verifier, secret=secret).json()
    return client, secret, query["code"], verifier, tokens


def refresh(idp, client, secret, refresh_token) -> httpx.Response:
    return token_request(
        idp, client, secret, grant_type="refresh_token", refresh_token=refresh_token
    )


def test_nothing_live_is_pruned(idp):
    client, secret, _code, _verifier, tokens = signed_in(idp)
    idp.provider.prune()
    assert refresh(idp, client, secret, tokens["refresh_token"]).status_code == 200


def test_a_used_code_stays_while_its_refresh_tokens_live__rfc6749_s4_1_2(idp):
    client, secret, code, verifier, tokens = signed_in(idp)
    idp.clock.advance(idp.settings.access_token_ttl + 1)
    idp.provider.prune()
    assert redeem(idp, client, code, verifier, secret=secret).status_code == 400  # replay
    assert refresh(idp, client, secret, tokens["refresh_token"]).status_code == 400  # revoked


def test_expired_rows_are_deleted(idp):
    signed_in(idp)
    tables = (AuthorizationCodeRow, RefreshTokenRow, SsoSessionRow)
    assert all(count(idp, table) for table in tables)
    idp.clock.advance(idp.settings.refresh_token_ttl + 1)
    deleted = idp.provider.prune()
    assert all(deleted[table.__tablename__] for table in tables)
    assert not any(count(idp, table) for table in tables)


def status_list(idp, *, full: bool, last_expiry: int, leased_until: int) -> int:
    with idp.provider.store() as store:
        row = StatusListRow(size=4096, created_at=0, full=full, last_expiry=last_expiry)
        store.session.add(row)
        store.session.flush()
        store.session.add(
            StatusBlockRow(
                list_id=row.id, block=0, holder="h", leased_until=leased_until, closed=True
            )
        )
        entry = IssuedEntry(row.id, 1, "j", None, "s", "c", 0, last_expiry)
        store.session.add(
            StatusEntryBatchRow(
                list_id=row.id, block=0, entries=pack_entries([entry]), expires_at=last_expiry
            )
        )
        return row.id


def test_a_status_list_goes_once_full_and_every_token_it_covers_expired(idp):
    now = idp.clock.now()
    long_ago = now - MAX_TOKEN_LIFETIME - 1
    dead = status_list(idp, full=True, last_expiry=now - 3600, leased_until=long_ago)
    filling = status_list(idp, full=False, last_expiry=now - 3600, leased_until=long_ago)
    live = status_list(idp, full=True, last_expiry=now + 600, leased_until=long_ago)
    lapsed_recently = status_list(idp, full=True, last_expiry=now - 3600, leased_until=now - 60)
    idp.provider.prune()
    with idp.provider.store() as store:
        kept = set(store.session.scalars(select(StatusListRow.id)))
        entries = set(store.session.scalars(select(StatusEntryBatchRow.list_id)))
    assert dead not in kept
    assert dead not in entries  # with its entries
    assert {filling, live, lapsed_recently} <= kept
