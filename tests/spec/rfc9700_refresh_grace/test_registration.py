"""Registering a grace period with `idp clients create --refresh-grace SECONDS`: at most
60 s (long enough for a retry, short enough that a thief loses the race), refused
outside 0..60 with one error line and no client. A client registered this way by the
real CLI gets its retries answered by the running server."""

from __future__ import annotations

import json

import pytest

from tests.cli.processes import error_line, idp_env, run_idp, run_idp_concurrently
from tests.support.cli_clients import create_client_with_cli
from tests.support.flows import REDIRECT_URI
from tests.support.relying_party import App, refresh, refreshed
from tests.support.sign_in import sign_in

WEB_APP = [
    "--name",
    "app",
    "--redirect-uri",
    REDIRECT_URI,
    "--grant",
    "authorization_code",
    "--grant",
    "refresh_token",
]
CREATE = ["clients", "create", *WEB_APP, "--json"]
OUT_OF_RANGE = ["61", "-1"]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cli")
    env = idp_env(directory)
    upgraded = run_idp(env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    return env


@pytest.fixture(scope="module")
def created(env):
    """`idp clients create` with each grace period under test, side by side."""
    graces = [None, "60", *OUT_OF_RANGE]
    commands = [[*CREATE, *(["--refresh-grace", grace] if grace else [])] for grace in graces]
    return dict(zip(graces, run_idp_concurrently(env, commands), strict=True))


def test_grace_period_defaults_to_zero__rfc9700_s4_14_2(created):
    result = created[None]
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["refresh_token_grace_period"] == 0


def test_grace_period_of_sixty_seconds_is_accepted__rfc9700_s4_14_2(created):
    result = created["60"]
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["refresh_token_grace_period"] == 60


@pytest.mark.parametrize("grace", OUT_OF_RANGE)
def test_grace_period_outside_zero_to_sixty_is_refused_with_one_error_line__rfc9700_s4_14_2(
    created, grace
):
    line = error_line(created[grace])
    assert line == "error: refresh_token_grace_period must be between 0 and 60 seconds", line
    assert created[grace].stdout == ""


def test_refused_registrations_leave_no_client__rfc9700_s4_14_2(created, env):
    listed = run_idp(env, "clients", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    registered = {client["client_id"] for client in json.loads(listed.stdout)}
    accepted = {json.loads(created[grace].stdout)["client_id"] for grace in (None, "60")}
    assert registered == accepted


def test_client_registered_with_refresh_grace_gets_its_retry_answered__rfc9700_s4_14_2(
    idp, tmp_path
):
    registered = create_client_with_cli(idp, tmp_path, *WEB_APP, "--refresh-grace", "30")
    with idp.provider.store() as store:
        client = store.load_client(registered["client_id"])
    assert client is not None
    app = App(client, registered["client_secret"])
    first = sign_in(idp, app)
    second = refreshed(idp, app, first["refresh_token"])
    retry = refresh(idp, app, first["refresh_token"])
    assert retry.status_code == 200, retry.text
    assert retry.json()["refresh_token"] == second["refresh_token"]
