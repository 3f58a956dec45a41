"""`idp db upgrade` and configuration errors, through the real console script."""

from __future__ import annotations

import json

from tests.cli.conftest import query
from tests.cli.processes import error_line, idp_env, run_concurrently, run_idp
from tests.support.server import free_port


def test_db_upgrade_created_the_schema_and_a_second_run_changes_nothing(env, cli_dir):
    # The cli_dir fixture ran the first `idp db upgrade` on an empty directory.
    tables = {name for (name,) in query(cli_dir, "SELECT name FROM sqlite_master")}
    assert {"alembic_version", "users", "clients", "signing_keys"} <= tables
    (version,) = query(cli_dir, "SELECT version_num FROM alembic_version")
    again = run_idp(env, "db", "upgrade")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "database is up to date"
    assert query(cli_dir, "SELECT version_num FROM alembic_version") == [version]


def test_bad_issuer_or_ttl_stops_commands_and_serve_with_a_line_naming_the_variable(tmp_path):
    port = str(free_port())
    bad_issuer = idp_env(tmp_path, IDP_ISSUER="ftp://x")
    bad_ttl = idp_env(tmp_path, IDP_ACCESS_TOKEN_TTL="abc")
    calls = [
        (bad_issuer, ["db", "upgrade"], ""),
        (bad_issuer, ["serve", "--port", port], ""),
        (bad_ttl, ["users", "list", "--json"], ""),
        (bad_ttl, ["serve", "--port", port], ""),
    ]
    expected = ["IDP_ISSUER", "IDP_ISSUER", "IDP_ACCESS_TOKEN_TTL", "IDP_ACCESS_TOKEN_TTL"]
    for (_, command, _), variable, result in zip(
        calls, expected, run_concurrently(calls), strict=True
    ):
        line = error_line(result)
        assert result.returncode == 1, (command, result.stderr)
        assert line.startswith(f"error: invalid configuration: {variable}: "), (command, line)
        assert line.count("IDP_") == 1, (command, line)
        assert result.stdout == "", (command, result.stdout)
    # Configuration is checked before anything touches the disk.
    assert not (tmp_path / "t.db").exists()
    assert not (tmp_path / "secret.key").exists()


def test_db_prune_reports_what_it_deleted(env):
    pruned = run_idp(env, "db", "prune", "--json")
    assert pruned.returncode == 0, pruned.stderr
    counts = json.loads(pruned.stdout)
    assert {"authorization_codes", "sso_sessions", "refresh_tokens", "revocations"} <= set(counts)
    assert all(isinstance(value, int) for value in counts.values())
