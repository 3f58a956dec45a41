"""The values an operator registers (``idp users create``, ``idp clients create``) are held
to what storage holds and to what sign-in accepts, as request parameters are: a value
too long for its column, or a username the login form would refuse (a control
character, longer than PARAMETER_LIMITS["username"]), is refused with one error line and
a non-zero exit, never a traceback, on both databases, and nothing is created."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from idp.oauth.parameters import PARAMETER_LIMITS
from tests.cli.processes import error_line, idp_env, run_idp, run_idp_concurrently
from tests.support.databases import database_url

PASSWORD = "correct horse battery staple\n"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    directory: Path = tmp_path_factory.mktemp("cli")
    with database_url(request.param, directory) as url:
        environment = idp_env(directory, IDP_DATABASE_URL=url)
        upgraded = run_idp(environment, "db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        yield environment


def listed(env: dict[str, str], kind: str) -> list[dict]:
    result = run_idp(env, kind, "list", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def long(length: int) -> str:
    return "x" * length


USER_COMMANDS = {
    "username-over-limit": ["users", "create", long(PARAMETER_LIMITS["username"] + 1)],
    "email-over-column": ["users", "create", "erin", "--email", f"{long(321)}@example.com"],
    "name-over-column": ["users", "create", "frank", "--name", long(256)],
    "username-with-SOH": ["users", "create", "iv\x01an"],
}
CLIENT_COMMANDS = {
    "client-name-over-column": ["clients", "create", "--name", long(256)],
    "client-scope-over-column": [
        "clients",
        "create",
        "--name",
        "Wide",
        "--scope",
        " ".join(f"api.{index:04d}" for index in range(120)),  # 1079 characters
    ],
}


def test_user_values_storage_or_sign_in_cannot_hold_are_refused_with_one_line(env):
    before = listed(env, "users")
    commands = [[*command, "--password-stdin"] for command in USER_COMMANDS.values()]
    results = run_idp_concurrently(env, commands, stdins=[PASSWORD] * len(commands))
    refused = {}
    for name, result in zip(USER_COMMANDS, results, strict=True):
        try:
            error_line(result)
        except AssertionError:
            refused[name] = (result.returncode, result.stderr.strip().splitlines()[-1:])
    assert refused == {}, "not refused with one error line"
    assert listed(env, "users") == before


def test_client_values_storage_cannot_hold_are_refused_with_one_line(env):
    before = listed(env, "clients")
    commands = [
        [*command, "--redirect-uri", "https://app.example/cb"]
        for command in CLIENT_COMMANDS.values()
    ]
    results = run_idp_concurrently(env, commands)
    refused = {}
    for name, result in zip(CLIENT_COMMANDS, results, strict=True):
        try:
            error_line(result)
        except AssertionError:
            refused[name] = (result.returncode, result.stderr.strip().splitlines()[-1:])
    assert refused == {}, "not refused with one error line"
    assert listed(env, "clients") == before
