"""Pruning deletes what nothing can use any more, and nothing else, on each backend."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from idp.store.models import AuthorizationCodeRow, RefreshTokenRow, SsoSessionRow
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
