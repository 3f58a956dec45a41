"""The ``idp users`` commands hold new passwords to the same policy (NIST SP 800-63B-4
§3.1.1.2): the real console script, one error line saying why, nothing stored."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from idp.authn.passwords import verify_password
from tests.cli.processes import idp_env, run_idp


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cli")
    environment = idp_env(directory)
    assert run_idp(environment, "db", "upgrade").returncode == 0
    environment["DB"] = str(directory / "t.db")
    return environment


def users(env):
    with closing(sqlite3.connect(env["DB"])) as connection:
        return dict(connection.execute("SELECT username, password_hash FROM users").fetchall())


def create(env, username, password, *extra):
    return run_idp(
        env, "users", "create", username, "--password-stdin", *extra, stdin=password + "\n"
    )


@pytest.mark.parametrize(
    ("username", "password", "error"),
    [
        ("ana", "fourteen chars", "error: The password must be at least 15 characters."),
        ("ben", "qwerty123456789", "most common"),
        ("carla", "carla has a long password", "must not contain 'carla'"),
        ("dan", "mail dan.smith for it", "must not contain 'dan.smith'"),
    ],
)
def test_users_create_refuses_what_the_policy_refuses(env, username, password, error):
    result = create(env, username, password, "--email", "dan.smith@example.com")
    assert result.returncode == 1
    assert error in result.stderr
    assert username not in users(env)


def test_users_create_and_set_password_accept_a_long_passphrase(env):
    assert create(env, "eve", "a passphrase of several words").returncode == 0
    result = run_idp(
        env, "users", "set-password", "eve", "--password-stdin", stdin="eve changes it\n"
    )
    assert result.returncode == 1
    assert "at least 15" in result.stderr
    result = run_idp(
        env, "users", "set-password", "eve", "--password-stdin", stdin="another long phrase\n"
    )
    assert result.returncode == 0, result.stderr
    assert verify_password("another long phrase", users(env)["eve"])
