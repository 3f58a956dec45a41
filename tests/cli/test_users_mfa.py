"""`idp users mfa …` and `idp clients create --require-mfa` against a real SQLite database."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

from tests.cli.conftest import query
from tests.cli.processes import error_line, run_idp

PASSWORD = "correct horse battery staple"


def create(env, username):
    result = run_idp(env, "users", "create", username, "--password-stdin", stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr


def mfa_required(cli_dir, username):
    [(required,)] = query(cli_dir, "SELECT mfa_required FROM users WHERE username = ?", username)
    return bool(required)


def test_mfa_require_sets_and_clears_the_users_flag(env, cli_dir):
    create(env, "grace")
    assert not mfa_required(cli_dir, "grace")
    required = run_idp(env, "users", "mfa", "require", "grace")
    assert required.returncode == 0, required.stderr
    assert required.stdout.strip() == "MFA required for grace"
    assert mfa_required(cli_dir, "grace")
    assert run_idp(env, "users", "mfa", "require", "grace").stdout.strip() == "no change for grace"
    cleared = run_idp(env, "users", "mfa", "require", "grace", "--off")
    assert cleared.stdout.strip() == "MFA no longer required for grace"
    assert not mfa_required(cli_dir, "grace")


def test_mfa_reset_removes_the_second_factors_and_tells_relying_parties(env, cli_dir):
    create(env, "heidi")
    [(user_id,)] = query(cli_dir, "SELECT id FROM users WHERE username = 'heidi'")
    nothing = run_idp(env, "users", "mfa", "reset", "heidi")
    assert nothing.stdout.strip() == "heidi had none enrolled"
    with closing(sqlite3.connect(cli_dir / "t.db")) as connection, connection:
        connection.execute(
            "INSERT INTO totp_credentials (user_id, sealed_secret, created_at) VALUES (?, ?, 0)",
            (user_id, b"sealed"),
        )
    reset = run_idp(env, "users", "mfa", "reset", "heidi")
    assert reset.returncode == 0, reset.stderr
    assert reset.stdout.strip() == "second factors of heidi removed"
    assert query(cli_dir, "SELECT * FROM totp_credentials WHERE user_id = ?", user_id) == []
    events = query(
        cli_dir, "SELECT event_type, detail FROM security_events WHERE subject = ?", user_id
    )
    [(event_type, detail)] = events
    assert event_type == "https://schemas.openid.net/secevent/caep/event-type/credential-change"
    change = json.loads(detail)
    assert (change["actor"], change["credential_type"], change["change_type"]) == (
        "operator", "app", "delete",
    )  # fmt: skip


def test_mfa_commands_refuse_an_unknown_user(env):
    for command in ("require", "reset"):
        result = run_idp(env, "users", "mfa", command, "nobody")
        assert result.returncode != 0
        assert error_line(result) == "error: no user 'nobody'"


def test_clients_create_require_mfa_is_registered(env, cli_dir):
    result = run_idp(
        env,
        "clients", "create", "--name", "Payroll", "--redirect-uri", "https://payroll.example/cb",
        "--require-mfa", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    client = json.loads(result.stdout)
    assert client["require_mfa"] is True
    stored = "SELECT require_mfa FROM clients WHERE client_id = ?"
    assert query(cli_dir, stored, client["client_id"]) == [(1,)]
