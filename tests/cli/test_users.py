"""`idp users …` against a real SQLite database."""

from __future__ import annotations

import json

import pytest

from idp.authn.passwords import verify_password
from tests.cli.conftest import query
from tests.cli.processes import error_line, run_idp, run_idp_concurrently

PASSWORD = "correct horse battery staple"
USERNAMES = ["alice", "carol", "dave"]


def create_command(username):
    email = f"{username}@example.com"
    return ["users", "create", username, "--email", email, "--password-stdin", "--json"]


def stored_hash(cli_dir, username):
    [(password_hash,)] = query(
        cli_dir, "SELECT password_hash FROM users WHERE username = ?", username
    )
    return password_hash


@pytest.fixture(scope="module")
def created(env):
    """`idp users create NAME --email … --password-stdin --json` for each of USERNAMES."""
    results = run_idp_concurrently(
        env, [create_command(name) for name in USERNAMES], stdins=[PASSWORD + "\n"] * len(USERNAMES)
    )
    return dict(zip(USERNAMES, results, strict=True))


def test_users_create_reads_password_from_stdin_and_prints_the_user_as_json(created, cli_dir):
    result = created["alice"]
    assert result.returncode == 0, result.stderr
    user = json.loads(result.stdout)
    assert user["username"] == "alice"
    assert user["email"] == "alice@example.com"
    assert user["disabled"] is False
    assert query(cli_dir, "SELECT id FROM users WHERE username = 'alice'") == [(user["id"],)]
    password_hash = stored_hash(cli_dir, "alice")
    assert PASSWORD not in password_hash
    assert password_hash.startswith("$argon2id$")
    assert verify_password(PASSWORD, password_hash)


def test_refusals_exit_non_zero_with_one_error_line_and_change_nothing(created, env, cli_dir):
    assert created["alice"].returncode == 0, created["alice"].stderr
    users_before = query(cli_dir, "SELECT * FROM users ORDER BY id")
    duplicate, short, disable_unknown, reset_unknown, reset_short = run_idp_concurrently(
        env,
        [
            create_command("alice"),
            create_command("erin"),
            ["users", "disable", "nobody"],
            ["users", "set-password", "nobody", "--password-stdin"],
            ["users", "set-password", "alice", "--password-stdin"],
        ],
        stdins=["another long password\n", "1234567\n", "", "a long enough one\n", "short\n"],
    )
    assert error_line(duplicate) == "error: user 'alice' already exists"
    assert error_line(short) == "error: The password must be at least 15 characters."
    assert error_line(disable_unknown) == "error: no user 'nobody'"
    assert error_line(reset_unknown) == "error: no user 'nobody'"
    assert error_line(reset_short) == "error: The password must be at least 15 characters."
    for result in (duplicate, short, disable_unknown, reset_unknown, reset_short):
        assert result.returncode == 1
        assert result.stdout == ""
    assert query(cli_dir, "SELECT * FROM users ORDER BY id") == users_before
    assert verify_password(PASSWORD, stored_hash(cli_dir, "alice"))


def test_disabled_user_is_listed_as_disabled_by_users_list_json(created, env):
    assert created["carol"].returncode == 0, created["carol"].stderr
    disabled = run_idp(env, "users", "disable", "carol")
    assert disabled.returncode == 0, disabled.stderr
    assert disabled.stdout.strip() == "disabled carol"
    listed = run_idp(env, "users", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    users = {user["username"]: user for user in json.loads(listed.stdout)}
    assert set(USERNAMES) <= set(users)
    assert users["carol"]["disabled"] is True
    assert users["alice"]["disabled"] is False
    assert users["alice"]["email"] == "alice@example.com"
    assert all("password_hash" not in user for user in users.values())


def test_set_password_replaces_the_stored_hash_with_one_of_the_new_password(created, env, cli_dir):
    assert created["dave"].returncode == 0, created["dave"].stderr
    result = run_idp(
        env, "users", "set-password", "dave", "--password-stdin", stdin="a brand new secret\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "password set for dave"
    new_hash = stored_hash(cli_dir, "dave")
    assert verify_password("a brand new secret", new_hash)
    assert not verify_password(PASSWORD, new_hash)


def test_disabling_twice_says_so_and_enabling_lets_the_user_back(env, created, cli_dir):
    assert (
        run_idp(env, "users", "create", "erin", "--password-stdin", stdin=PASSWORD).returncode == 0
    )
    assert run_idp(env, "users", "disable", "erin").stdout.strip() == "disabled erin"
    assert run_idp(env, "users", "disable", "erin").stdout.strip() == "erin was disabled already"
    assert run_idp(env, "users", "enable", "erin").stdout.strip() == "enabled erin"
    assert query(cli_dir, "SELECT disabled FROM users WHERE username = 'erin'") == [(0,)]
    assert run_idp(env, "users", "enable", "erin").stdout.strip() == "erin was not disabled"
    [(event,)] = query(
        cli_dir,
        "SELECT event_type FROM security_events WHERE event_type LIKE '%account-enabled'",
    )
    assert event.endswith("/risc/event-type/account-enabled")  # RISC 1.0 §2.4


def test_a_password_without_a_terminal_asks_for_password_stdin(env):
    result = run_idp(env, "users", "create", "frank")  # stdin is not a terminal here
    assert "use --password-stdin" in error_line(result)
