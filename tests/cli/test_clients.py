"""`idp clients …` against a real SQLite database."""

from __future__ import annotations

import json
import re

import pytest

from tests.cli.conftest import query
from tests.cli.processes import error_line, run_idp, run_idp_concurrently

BASE64URL_256_BITS = re.compile(r"[A-Za-z0-9_-]{43,}")  # 32 bytes -> 43 characters
CREATE = [
    "clients",
    "create",
    "--name",
    "app",
    "--redirect-uri",
    "https://app.example/cb",
    "--grant",
    "authorization_code",
    "--grant",
    "refresh_token",
    "--json",
]


@pytest.fixture(scope="module")
def created(env):
    """A confidential and a public client, created with `idp clients create … --json`."""
    confidential, public = run_idp_concurrently(env, [CREATE, [*CREATE, "--public"]])
    assert confidential.returncode == 0, confidential.stderr
    assert public.returncode == 0, public.stderr
    return {"confidential": confidential, "public": public}


def test_confidential_client_gets_a_256_bit_secret_that_show_never_repeats(created, env, cli_dir):
    client = json.loads(created["confidential"].stdout)
    secret = client["client_secret"]
    assert BASE64URL_256_BITS.fullmatch(secret), secret
    assert client["client_id"]
    assert client["token_endpoint_auth_method"] == "client_secret_basic"
    assert client["redirect_uris"] == ["https://app.example/cb"]
    assert client["grant_types"] == ["authorization_code", "refresh_token"]
    shown = run_idp(env, "clients", "show", client["client_id"], "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["client_id"] == client["client_id"]
    assert "client_secret" not in json.loads(shown.stdout)
    assert secret not in shown.stdout
    # Only a digest is stored.
    [row] = query(cli_dir, "SELECT * FROM clients WHERE client_id = ?", client["client_id"])
    assert not any(secret in str(value) for value in row)


def test_public_client_has_no_secret_and_auth_method_none(created):
    client = json.loads(created["public"].stdout)
    assert "client_secret" not in client
    assert client["token_endpoint_auth_method"] == "none"
    assert client["grant_types"] == ["authorization_code", "refresh_token"]


def test_deleted_client_disappears_from_list_and_show(created, env):
    secret = json.loads(created["confidential"].stdout)["client_secret"]
    client_id = json.loads(created["public"].stdout)["client_id"]
    listed = run_idp(env, "clients", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    clients = json.loads(listed.stdout)
    assert client_id in [client["client_id"] for client in clients]
    assert all("client_secret" not in client for client in clients)
    assert secret not in listed.stdout
    deleted = run_idp(env, "clients", "delete", client_id)
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.strip() == f"deleted {client_id}"
    listed_after, shown = run_idp_concurrently(
        env, [["clients", "list", "--json"], ["clients", "show", client_id, "--json"]]
    )
    assert listed_after.returncode == 0, listed_after.stderr
    assert client_id not in [client["client_id"] for client in json.loads(listed_after.stdout)]
    assert error_line(shown) == f"error: no client {client_id!r}"


def test_redirect_uris_over_http_with_fragment_or_wildcard_are_refused(env, cli_dir):
    clients_before = query(cli_dir, "SELECT count(*) FROM clients")
    bad = {
        "http://app.example/cb": "must use https unless the host is loopback",
        "https://app.example/cb#frag": "must not contain a fragment",
        "https://*.app.example/cb": "must not contain wildcards",
    }
    results = run_idp_concurrently(
        env,
        [["clients", "create", "--name", "bad", "--redirect-uri", uri, "--json"] for uri in bad],
    )
    for (uri, reason), result in zip(bad.items(), results, strict=True):
        line = error_line(result)
        assert result.returncode == 1
        assert uri in line
        assert reason in line
        assert result.stdout == ""
    assert query(cli_dir, "SELECT count(*) FROM clients") == clients_before


def test_service_client_options_are_registered(env):
    created = run_idp(
        env,
        "clients",
        "create",
        "--name",
        "orders-worker",
        "--grant",
        "client_credentials",
        "--scope",
        "orders:read",
        "--resource",
        "https://api.example/orders",
        "--access-token-ttl",
        "120",
        "--exchange-audience",
        "https://api.example/billing",
        "--json",
    )
    assert created.returncode == 0, created.stderr
    client = json.loads(created.stdout)
    assert client["grant_types"] == ["client_credentials"]
    assert client["redirect_uris"] == []
    assert client["resources"] == ["https://api.example/orders"]
    assert client["access_token_ttl"] == 120
    assert client["exchange_audiences"] == ["https://api.example/billing"]


def test_out_of_range_lifetime_is_refused(env):
    refused = run_idp(
        env,
        "clients",
        "create",
        "--name",
        "x",
        "--grant",
        "client_credentials",
        "--scope",
        "a",
        "--access-token-ttl",
        "5",
    )
    assert refused.returncode == 1
    assert "access_token_ttl" in error_line(refused)
