"""The ``idp`` console script run against the database of a running test server, so a
test can register a client (or manage anything else) exactly as an operator would."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.cli.processes import idp_env, run_idp
from tests.support.server import RunningIdp


def run_idp_against(
    idp: RunningIdp, directory: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``idp *args`` on the server's database and instance secret."""
    env = idp_env(
        directory,
        IDP_DATABASE_URL=idp.settings.database_url,
        IDP_SECRET_KEY_FILE=str(idp.settings.secret_key_file),
    )
    return run_idp(env, *args, stdin=stdin)


def run_clients_create(
    idp: RunningIdp, directory: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """``idp clients create --json *args`` on the server's database and instance secret."""
    return run_idp_against(idp, directory, "clients", "create", "--json", *args)


def create_client_with_cli(idp: RunningIdp, directory: Path, *args: str) -> dict[str, Any]:
    """A client registered with the CLI; the JSON it printed (RFC 7591 §2 metadata)."""
    result = run_clients_create(idp, directory, *args)
    assert result.returncode == 0, result.stderr
    created: dict[str, Any] = json.loads(result.stdout)
    return created
