"""`idp users update`: profile claims change, and a CAEP token-claims-change event
records the new values (what a stream receiver gets)."""

from __future__ import annotations

import json

from tests.cli.conftest import query
from tests.cli.processes import error_line, run_idp


def test_update_changes_the_claims_and_records_the_event(env, cli_dir):
    created = run_idp(env, "users", "create", "una", "--password-stdin", stdin="x" * 20 + "\n")
    assert created.returncode == 0, created.stderr
    updated = run_idp(
        env, "users", "update", "una", "--email", "una@example.com", "--email-verified", "--json"
    )
    assert updated.returncode == 0, updated.stderr
    assert json.loads(updated.stdout) == {"email": "una@example.com", "email_verified": True}
    [(user_id, email)] = query(cli_dir, "SELECT id, email FROM users WHERE username = 'una'")
    assert email == "una@example.com"
    [(event_type, detail)] = query(
        cli_dir,
        "SELECT event_type, detail FROM security_events WHERE subject = ? ORDER BY id",
        user_id,
    )
    assert event_type.endswith("/caep/event-type/token-claims-change")
    assert json.loads(detail)["claims"] == {"email": "una@example.com", "email_verified": True}
    again = run_idp(env, "users", "update", "una", "--email", "una@example.com")
    assert again.stdout.strip() == "no change"


def test_update_refuses_unknown_users_and_bad_values(env, cli_dir):
    for args in (("nobody", "--name", "N"), ("una", "--name", "bad\x07bell")):
        result = run_idp(env, "users", "update", *args)
        assert result.returncode != 0
        assert error_line(result)
