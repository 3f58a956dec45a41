"""`idp deliveries list|retry`: what the outbox holds, and trying given-up ones again."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

from tests.cli.processes import error_line, run_idp


def add_delivery(cli_dir, *, failed: bool) -> None:
    with closing(sqlite3.connect(cli_dir / "t.db")) as connection, connection:
        connection.execute(
            "INSERT INTO deliveries (kind, client_id, target, payload, created_at, attempts,"
            " next_attempt_at, last_error, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                "backchannel_logout",
                "c1",
                "https://rp.example/logout",
                json.dumps({"jti": "j", "sub": "u", "sid": "s"}),
                1000,
                12 if failed else 0,
                2000,
                "HTTP 500 from the client's logout endpoint" if failed else None,
                3000 if failed else None,
            ),
        )


def listed(env, *args):
    result = run_idp(env, "deliveries", "list", "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_list_shows_state_attempts_and_last_error_and_retry_queues_them_again(cli_dir, env):
    add_delivery(cli_dir, failed=True)
    add_delivery(cli_dir, failed=False)
    (failed,) = listed(env, "--state", "failed")
    assert failed["attempts"] == 12
    assert failed["last_error"] == "HTTP 500 from the client's logout endpoint"
    assert failed["target"] == "https://rp.example/logout"
    assert len(listed(env)) == 2

    text = run_idp(env, "deliveries", "list").stdout
    assert "failed\tbackchannel_logout\tc1" in text
    assert "attempts=12\tgiven up 1970-01-01T00:50:00Z\tHTTP 500" in text
    pending = next(d for d in listed(env, "--state", "pending") if d["id"] != failed["id"])

    for not_failed in (str(pending["id"]), "999999"):
        refused = run_idp(env, "deliveries", "retry", not_failed)
        assert "not failed deliveries" in error_line(refused)

    result = run_idp(env, "deliveries", "retry", str(failed["id"]))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1 delivery queued again"
    assert listed(env, "--state", "failed") == []
    again = next(d for d in listed(env, "--state", "pending") if d["id"] == failed["id"])
    assert again["attempts"] == 0
    assert again["last_error"] == "HTTP 500 from the client's logout endpoint"


def test_an_unknown_state_is_a_usage_error(env):
    result = run_idp(env, "deliveries", "list", "--state", "lost")
    assert result.returncode == 2
