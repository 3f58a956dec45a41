"""`idp users suspend|resume` and `idp clients suspend|resume` against a real SQLite
database: the suspension is recorded with its reason and actor, lifted by resume, and
refused for what does not exist."""

from __future__ import annotations

import json

from tests.cli.conftest import query
from tests.cli.processes import error_line, run_idp


def created_client(env) -> str:
    command = "clients create --name svc --grant client_credentials --scope orders:read --json"
    result = run_idp(env, *command.split())
    assert result.returncode == 0, result.stderr
    return str(json.loads(result.stdout)["client_id"])


def test_a_client_is_suspended_then_resumed(env, cli_dir):
    client_id = created_client(env)
    suspended = run_idp(env, "clients", "suspend", client_id, "--reason", "leaked secret")
    assert suspended.returncode == 0, suspended.stderr
    assert suspended.stdout.strip() == f"suspended {client_id}"
    rows = query(cli_dir, "SELECT kind, reason, actor FROM suspensions WHERE value = ?", client_id)
    assert rows == [("client_id", "leaked secret", "operator")]
    again = run_idp(env, "clients", "suspend", client_id)
    assert again.stdout.strip() == f"{client_id} was suspended already"
    resumed = run_idp(env, "clients", "resume", client_id)
    assert resumed.returncode == 0, resumed.stderr
    assert query(cli_dir, "SELECT * FROM suspensions WHERE value = ?", client_id) == []
    assert run_idp(env, "clients", "resume", client_id).stdout.strip() == (
        f"{client_id} was not suspended"
    )


def test_a_user_is_suspended_with_an_account_disabled_event(env, cli_dir):
    created = run_idp(env, "users", "create", "sam", "--password-stdin", stdin="x" * 20 + "\n")
    assert created.returncode == 0, created.stderr
    assert run_idp(env, "users", "suspend", "sam").returncode == 0
    assert "sam\t-\tsuspended" in run_idp(env, "users", "list").stdout.splitlines()
    [listed] = [
        u
        for u in json.loads(run_idp(env, "users", "list", "--json").stdout)
        if u["username"] == "sam"
    ]
    assert (listed["suspended"], listed["disabled"]) == (True, False)
    [(user_id,)] = query(cli_dir, "SELECT id FROM users WHERE username = 'sam'")
    assert query(cli_dir, "SELECT kind FROM suspensions WHERE value = ?", user_id) == [("sub",)]
    events = query(cli_dir, "SELECT event_type FROM security_events WHERE subject = ?", user_id)
    assert events[-1][0].endswith("/risc/event-type/account-disabled")
    assert run_idp(env, "users", "resume", "sam").returncode == 0
    assert "sam\t-\tactive" in run_idp(env, "users", "list").stdout.splitlines()
    events = query(cli_dir, "SELECT event_type FROM security_events WHERE subject = ?", user_id)
    assert events[-1][0].endswith("/risc/event-type/account-enabled")


def test_unknown_names_and_long_reasons_are_refused(env, cli_dir):
    before = query(cli_dir, "SELECT * FROM suspensions")
    for args in (
        ("users", "suspend", "nobody"),
        ("clients", "suspend", "no-such-client"),
        ("clients", "resume", "no-such-client"),
        ("users", "suspend", "nobody", "--reason", "x" * 300),
    ):
        result = run_idp(env, *args)
        assert result.returncode != 0, args
        assert error_line(result), args
    assert query(cli_dir, "SELECT * FROM suspensions") == before
