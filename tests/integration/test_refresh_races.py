"""Concurrent refreshes, with real parallel clients released together by a barrier.

Twenty uses of one refresh token at the same moment (a stolen token raced against its
owner, RFC 9700 §4.14.2): exactly one rotates it, every other use is reuse and gets
``invalid_grant``, and reuse takes back the whole family, the winner's new tokens
included. It used to be a 500 on both databases: "database is locked" on SQLite (the
family revocation was lost and the server went on failing writes), a deadlock in reuse
detection on PostgreSQL with two worker processes. Concurrent refreshes of one user's
different tokens queue on one lock per user (idp.store.revocations.lock_subject), and
queueing must never become an error.

On SQLite one server; on PostgreSQL `idp serve --workers 2`, two real processes behind
one port. Every test ends by checking the server still signs users in and refreshes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from functools import partial
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from idp.authn.users import User
from idp.store.models import SsoSessionRow
from tests.support.assertions import assert_oauth_error
from tests.support.cluster import served_workers
from tests.support.databases import postgres_database
from tests.support.flows import Browser, create_user
from tests.support.polling import eventually
from tests.support.race import all_at_once
from tests.support.relying_party import App, is_active, refresh, web_app
from tests.support.server import RunningIdp, running_idp
from tests.support.sign_in import sign_in

PARALLEL = 20
ROUNDS = 4  # a race is won or lost by microseconds: run it more than once
# Refreshes come a while after the sign-in, as when an access token runs out: long
# enough that the refresh writes the session's last-seen time again (at most once a
# minute). That write, made before the rotation, is what let reuse detection deadlock
# against another request's family revocation on PostgreSQL.
A_WHILE = 120
# Queued requests wait their turn; the default bound (5 s) is plenty on an idle
# machine, this one is for a loaded one. The failures these tests catch come at once
# (SQLite's busy snapshot, PostgreSQL's deadlock detection), not after a timeout.
DATABASE_TIMEOUT = 20


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningIdp]:
    """One server on SQLite; on PostgreSQL two worker processes behind one port."""
    directory: Path = tmp_path_factory.mktemp("refresh-races")
    if request.param == "sqlite":
        url = f"sqlite:///{directory / 'tessera.db'}"
        with running_idp(url, directory, database_timeout=DATABASE_TIMEOUT) as idp:
            yield idp
    else:
        with (
            postgres_database() as url,
            served_workers(
                url,
                directory,
                workers=2,
                IDP_CACHE_POLL_INTERVAL="0.2",
                IDP_DATABASE_TIMEOUT=str(DATABASE_TIMEOUT),
            ) as idp,
        ):
            yield idp


def last_seen_a_while_ago(idp: RunningIdp, user: User) -> None:
    """As if the user's sessions had last been used A_WHILE ago (the served workers'
    clock cannot be moved, so their sessions' last-seen time is)."""
    with idp.provider.store() as store:
        store.session.execute(
            update(SsoSessionRow)
            .where(SsoSessionRow.user_id == user.id)
            .values(last_seen_at=SsoSessionRow.last_seen_at - A_WHILE)
        )


def use_refresh_token(idp: RunningIdp, app: App, token: str, http: httpx.Client) -> httpx.Response:
    return refresh(idp, app, token, http=http)


def at_once(calls: list[Callable[[httpx.Client], httpx.Response]]) -> list[httpx.Response]:
    """Each call with an HTTP client of its own, all released at the same moment."""
    with ExitStack() as stack:
        clients = [stack.enter_context(httpx.Client(timeout=60)) for _ in calls]
        return all_at_once(
            [partial(call, client) for call, client in zip(calls, clients, strict=True)]
        )


def describe(answers: list[httpx.Response]) -> list[tuple[int, str]]:
    return [(answer.status_code, answer.text[:200]) for answer in answers]


def inactive_everywhere(idp: RunningIdp, app: App, token: str) -> bool:
    """Inactive on several requests in a row (each on a new connection, which any
    worker may accept)."""
    return not any(is_active(idp, app, token) for _ in range(4))


def assert_healthy(idp: RunningIdp) -> None:
    """The server still signs a new user in and refreshes their token."""
    assert httpx.get(f"{idp.base_url}/healthz", timeout=10).status_code == 200
    app, user = web_app(idp), create_user(idp)
    tokens = sign_in(idp, app, user)
    again = refresh(idp, app, tokens["refresh_token"])
    assert again.status_code == 200, again.text
    assert is_active(idp, app, again.json()["access_token"])


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_parallel_uses_of_one_refresh_token_rotate_it_once__rfc9700_s4_14_2(server, round_):
    idp = server
    app, user = web_app(idp), create_user(idp)
    token = sign_in(idp, app, user)["refresh_token"]
    last_seen_a_while_ago(idp, user)

    answers = at_once([partial(use_refresh_token, idp, app, token) for _ in range(PARALLEL)])

    winners = [answer for answer in answers if answer.status_code == 200]
    assert len(winners) == 1, describe(answers)
    losers = [answer for answer in answers if answer.status_code != 200]
    assert len(losers) == PARALLEL - 1
    for answer in losers:
        assert_oauth_error(answer, "invalid_grant")

    # Reuse took back the family: the winner's new tokens too.
    won = winners[0].json()
    assert_oauth_error(refresh(idp, app, won["refresh_token"]), "invalid_grant")
    assert eventually(lambda: inactive_everywhere(idp, app, won["access_token"]))
    assert_healthy(idp)


def test_parallel_refreshes_of_one_users_different_tokens_all_succeed__rfc6749_s6(server):
    """Twenty sign-ins of one user (one browser, one SSO session), twenty refresh tokens,
    each refreshed once at the same moment: all rotate."""
    idp = server
    app, user = web_app(idp), create_user(idp)
    with Browser(idp) as browser:
        tokens = [
            sign_in(idp, app, user, browser=browser)["refresh_token"] for _ in range(PARALLEL)
        ]
    assert len(set(tokens)) == PARALLEL
    last_seen_a_while_ago(idp, user)

    answers = at_once([partial(use_refresh_token, idp, app, token) for token in tokens])

    assert [answer.status_code for answer in answers] == [200] * PARALLEL, describe(answers)
    for answer in answers:
        rotated = answer.json()
        assert is_active(idp, app, rotated["access_token"])
        assert refresh(idp, app, rotated["refresh_token"]).status_code == 200
    assert_healthy(idp)
