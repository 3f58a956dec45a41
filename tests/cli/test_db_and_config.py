"""`idp db upgrade` and configuration errors, through the real console script."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from idp.store.migrate import upgrade
from tests.cli.conftest import query
from tests.cli.processes import error_line, idp_env, run_concurrently, run_idp, run_idp_process
from tests.support.server import free_port

# One user with a client, a consent, an authorization code and a refresh token, in the
# tables as revision 0001 created them.
GRANTS_AT_0001 = """
INSERT INTO users (id, username, email_verified, disabled, created_at, updated_at)
    VALUES ('u1', 'alice', 0, 0, 1, 1);
INSERT INTO clients (client_id, name, token_endpoint_auth_method, redirect_uris, grant_types,
        scope, first_party, id_token_signed_response_alg, created_at)
    VALUES ('c1', 'old app', 'none', '["https://a.example/cb"]', '["authorization_code"]',
        'openid', 0, 'RS256', 1);
INSERT INTO consents (user_id, client_id, scope, updated_at)
    VALUES ('u1', 'c1', 'openid', 1);
INSERT INTO authorization_codes (code_digest, client_id, user_id, redirect_uri, scope, sid,
        auth_time, acr, amr, expires_at)
    VALUES ('code1', 'c1', 'u1', 'https://a.example/cb', 'openid', 's1', 1, '0', '["pwd"]', 9);
INSERT INTO refresh_tokens (token_digest, family_id, client_id, user_id, sid, scope,
        auth_time, created_at, expires_at)
    VALUES ('rt1', 'f1', 'c1', 'u1', 's1', 'openid', 1, 1, 9);
"""


def test_db_upgrade_created_the_schema_and_a_second_run_changes_nothing(env, cli_dir):
    # The cli_dir fixture ran the first `idp db upgrade` on an empty directory.
    tables = {name for (name,) in query(cli_dir, "SELECT name FROM sqlite_master")}
    assert {"alembic_version", "users", "clients", "signing_keys"} <= tables
    (version,) = query(cli_dir, "SELECT version_num FROM alembic_version")
    again = run_idp(env, "db", "upgrade")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"database is already up to date ({version[0]})"
    assert query(cli_dir, "SELECT version_num FROM alembic_version") == [version]


def test_db_upgrade_of_a_new_database_says_it_created_the_schema(tmp_path):
    result = run_idp(idp_env(tmp_path), "db", "upgrade")
    assert result.returncode == 0, result.stderr
    (version,) = query(tmp_path, "SELECT version_num FROM alembic_version")
    assert result.stdout.strip() == f"created the database schema at {version[0]}"


def test_db_upgrade_from_0001_keeps_consents_codes_and_tokens_and_says_what_it_applied(
    tmp_path,
):
    env = idp_env(tmp_path)
    upgrade(env["IDP_DATABASE_URL"], "0001")
    run_sql(tmp_path, GRANTS_AT_0001)
    result = run_idp(env, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert query(tmp_path, "SELECT id FROM users") == [("u1",)]
    assert query(tmp_path, "SELECT client_id FROM clients") == [("c1",)]
    assert query(tmp_path, "SELECT user_id, client_id FROM consents") == [("u1", "c1")]
    assert query(tmp_path, "SELECT code_digest FROM authorization_codes") == [("code1",)]
    assert query(tmp_path, "SELECT token_digest FROM refresh_tokens") == [("rt1",)]
    (version,) = query(tmp_path, "SELECT version_num FROM alembic_version")
    assert version[0] != "0001"
    assert result.stdout.strip() == f"upgraded the database from 0001 to {version[0]}"


def test_db_upgrade_that_would_leave_dangling_references_fails_and_keeps_0001(tmp_path):
    env = idp_env(tmp_path)
    upgrade(env["IDP_DATABASE_URL"], "0001")
    # sqlite3 leaves foreign keys off, so this consent may refer to no user and no client.
    run_sql(tmp_path, "INSERT INTO consents VALUES ('no-user', 'no-client', 'openid', 1);")
    result = run_idp(env, "db", "upgrade")
    assert error_line(result).startswith("error: upgrade rolled back: 2 foreign key references")
    assert query(tmp_path, "SELECT version_num FROM alembic_version") == [("0001",)]


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


def run_sql(directory: Path, script: str) -> None:
    with closing(sqlite3.connect(directory / "t.db")) as connection:
        connection.executescript(script)
        connection.commit()


def test_a_command_run_where_there_is_no_database_creates_none(tmp_path):
    result = run_idp(idp_env(tmp_path), "users", "list")
    assert "no Tessera database at sqlite:///" in error_line(result)
    assert not (tmp_path / "t.db").exists()


def test_an_unknown_idp_variable_is_named_as_ignored(tmp_path):
    result = run_idp(idp_env(tmp_path, IDP_ISSUR="https://typo.example"), "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert "warning: IDP_ISSUR is not a Tessera setting; it is ignored" in result.stderr


def test_a_postgresql_url_without_its_driver_is_one_line(tmp_path):
    env = idp_env(tmp_path, IDP_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    env["PYTHONPATH"] = str(tmp_path)  # a psycopg that cannot be imported shadows the real one
    (tmp_path / "psycopg.py").write_text("raise ImportError('not installed here')\n")
    assert "install the postgres extra" in error_line(run_idp_process(env, "db", "upgrade"))
