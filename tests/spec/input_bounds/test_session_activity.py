"""The SSO session's idle timeout slides with use (OWASP Session Management: idle
timeout). The last-seen time is written at most every so often to spare the database,
and that interval is derived from the idle timeout (a tenth of it, at most 60 s): with
IDP_SESSION_IDLE_TIMEOUT=60, a browser in use every 30 s stays signed in however long it
goes on, and one idle for 61 s is signed out. prompt=none tells which (OIDC Core
§3.1.2.6)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from idp.authn.users import User
from idp.oauth.clients import Client
from tests.spec.input_bounds.inputs import clock_stopped_at
from tests.support.client_requests import redeem, token_request
from tests.support.databases import database_url
from tests.support.flows import Browser, code_flow, create_user, pkce_pair, query_of, register
from tests.support.server import RunningIdp, running_idp

IDLE_TIMEOUT = 60  # the smallest the setting allows
ABSOLUTE_TIMEOUT = 3600
IN_USE_EVERY = 30


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIdp]:
    directory: Path = tmp_path_factory.mktemp("idp")
    with (
        database_url("sqlite", directory) as url,
        running_idp(
            url,
            directory,
            session_idle_timeout=IDLE_TIMEOUT,
            session_absolute_timeout=ABSOLUTE_TIMEOUT,
        ) as server,
    ):
        yield server


@pytest.fixture(scope="module")
def app(idp: RunningIdp) -> Client:
    """First party: no consent in the way, so a code means the session is alive."""
    return register(idp, public=True, first_party=True)[0]


@pytest.fixture
def user(idp: RunningIdp) -> User:
    return create_user(idp)


def silent_authorize(browser: Browser, app: Client) -> dict[str, str]:
    """prompt=none: the redirect's query, a code or login_required."""
    response = browser.authorize(
        response_type="code",
        client_id=app.client_id,
        redirect_uri=app.redirect_uris[0],
        scope="openid",
        prompt="none",
        code_challenge=pkce_pair()[1],
        code_challenge_method="S256",
    )
    assert response.status_code == 302, response.text
    return query_of(response.headers["location"])


def signed_in_at(idp: RunningIdp, app: Client, user: User, instant: int) -> Browser:
    browser = Browser(idp)
    with clock_stopped_at(idp.clock, instant):
        code_flow(idp, app, user, browser=browser, scope="openid")
    return browser


def test_a_session_in_use_every_30_seconds_outlives_the_idle_timeout__owasp_idle_timeout(
    idp, app, user
):
    start = idp.clock.now()
    with signed_in_at(idp, app, user, start) as browser:
        for step in range(1, 6):  # 150 s in all, 2.5 idle timeouts
            with clock_stopped_at(idp.clock, start + step * IN_USE_EVERY):
                query = silent_authorize(browser, app)
            assert "code" in query, (step * IN_USE_EVERY, query)


def test_a_session_idle_for_longer_than_the_timeout_is_signed_out__owasp_idle_timeout(
    idp, app, user
):
    start = idp.clock.now()
    with (
        signed_in_at(idp, app, user, start) as browser,
        clock_stopped_at(idp.clock, start + IDLE_TIMEOUT + 1),
    ):
        assert silent_authorize(browser, app)["error"] == "login_required"


def test_idle_time_counts_from_the_last_use__owasp_idle_timeout(idp, app, user):
    start = idp.clock.now()
    with signed_in_at(idp, app, user, start) as browser:
        last_use = start + IN_USE_EVERY
        with clock_stopped_at(idp.clock, last_use):
            assert "code" in silent_authorize(browser, app)
        with clock_stopped_at(idp.clock, last_use + IDLE_TIMEOUT - 1):
            assert "code" in silent_authorize(browser, app)
        with clock_stopped_at(idp.clock, last_use + IDLE_TIMEOUT - 1 + IDLE_TIMEOUT + 1):
            assert silent_authorize(browser, app)["error"] == "login_required"


def test_refreshing_counts_as_use__oidc_core_s12(idp, user):
    """An application refreshing its tokens is its user at work: the session it is
    bound to stays alive as long as the refreshes come within the idle timeout."""
    refresher = register(
        idp, public=True, first_party=True, grant_types=["authorization_code", "refresh_token"]
    )[0]
    start = idp.clock.now()
    with clock_stopped_at(idp.clock, start):
        query, verifier = code_flow(idp, refresher, user, scope="openid")
        response = redeem(idp, refresher, query["code"], verifier)
    assert response.status_code == 200, response.text
    refresh_token = response.json()["refresh_token"]
    for step in range(1, 5):
        with clock_stopped_at(idp.clock, start + step * IN_USE_EVERY):
            response = token_request(
                idp, refresher, grant_type="refresh_token", refresh_token=refresh_token
            )
        assert response.status_code == 200, (step * IN_USE_EVERY, response.text)
        refresh_token = response.json()["refresh_token"]
