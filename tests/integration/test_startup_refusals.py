"""What `idp serve` (and the app started any other way) refuses at start, and what it
derives when it is not told: a server that cannot work correctly must not start and
answer 500s; a setting that would break key rotation must not be accepted; without
IDP_ISSUER the issuer is the loopback address actually served.

Every refusal is one ``error: ...`` line on stderr and a non-zero exit (README, Command
line), within seconds."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.cli.processes import (
    IDP,
    START_TIMEOUT,
    ServedIdp,
    error_line,
    idp_env,
    run_concurrently,
    run_idp,
    served_idp,
)
from tests.support.server import free_port

REFUSAL_TIMEOUT = 15  # a refusal comes at once; serving this long means it did not come
JWKS_MAX_AGE = 60  # idp/keys/publication.py: the Cache-Control max-age of /jwks
DEFAULT_KEY_CACHE_TTL = 30
DEFAULT_FLOOR = DEFAULT_KEY_CACHE_TTL + JWKS_MAX_AGE
UVICORN = (
    sys.executable,
    "-m",
    "uvicorn",
    "--factory",
    "idp.app:create_app",
    "--host",
    "127.0.0.1",
)


def refused(env: Mapping[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``idp *args``, expected to exit by itself; if it is still running after
    REFUSAL_TIMEOUT seconds (it started serving), it is stopped and the test fails."""
    try:
        return subprocess.run(
            [str(IDP), *args],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=REFUSAL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"idp {' '.join(args)} did not refuse: still running\n{expired.stderr!r}")


def replace_instance_secret(directory: Path) -> None:
    """Another valid instance secret (64 hex digits) where the first one was."""
    path = directory / "secret.key"
    old = path.read_text().strip()
    new = secrets.token_hex(32)
    assert new != old
    assert len(new) == len(old) == 64
    path.write_text(new)


@pytest.fixture(scope="module")
def keys_under_another_secret(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory whose database holds signing keys sealed under an instance secret
    that is no longer the one in IDP_SECRET_KEY_FILE."""
    directory = tmp_path_factory.mktemp("secret")
    with served_idp(directory) as server:  # first start: creates the secret and the keys
        assert httpx.get(f"{server.base_url}/jwks", timeout=5).status_code == 200
    replace_instance_secret(directory)
    return directory


def test_serve_refuses_to_start_with_a_wrong_instance_secret_in_one_line(
    keys_under_another_secret,
):
    directory = keys_under_another_secret
    port = free_port()
    env = idp_env(directory, IDP_ISSUER=f"http://127.0.0.1:{port}")

    started = time.monotonic()
    result = refused(env, "serve", "--port", str(port), cwd=directory)

    assert time.monotonic() - started < REFUSAL_TIMEOUT
    line = error_line(result)
    assert "instance secret" in line, line
    assert "IDP_SECRET_KEY_FILE" in line, line


def test_the_app_started_by_uvicorn_itself_does_not_serve_with_a_wrong_instance_secret(
    keys_under_another_secret,
):
    """Not only `idp serve`: the application factory refuses too (its lifespan fails),
    so no deployment comes up answering 500 at /jwks and /token."""
    directory = keys_under_another_secret
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = idp_env(directory, IDP_ISSUER=base_url)
    stderr_path = directory / "uvicorn.err"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [*UVICORN, "--port", str(port)],
            cwd=directory,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + REFUSAL_TIMEOUT
        with httpx.Client(timeout=2) as http:
            while process.poll() is None:
                assert time.monotonic() < deadline, "uvicorn kept serving the app"
                try:
                    jwks = http.get(f"{base_url}/jwks")
                except httpx.TransportError:
                    time.sleep(0.05)
                    continue
                pytest.fail(f"the app came up: /jwks answered {jwks.status_code} {jwks.text}")
    finally:
        process.kill()
        process.wait(timeout=10)
    assert process.returncode != 0
    assert "instance secret" in stderr_path.read_text()


@pytest.fixture
def database_with_keys(tmp_path: Path) -> dict[str, str]:
    env = idp_env(tmp_path)
    assert run_idp(env, "db", "upgrade").returncode == 0
    first = run_idp(env, "keys", "rotate")  # the first keys replace none: no floor
    assert first.returncode == 0, first.stderr
    return env


def test_keys_rotate_refuses_a_publish_delay_below_key_cache_ttl_plus_jwks_max_age__rfc7517_s5(
    database_with_keys,
):
    """A new key may sign only once every node (IDP_KEY_CACHE_TTL) and every verifier
    (the JWKS max-age) can know it; a shorter delay would make valid tokens fail."""
    env = database_with_keys
    short_ttl = {**env, "IDP_KEY_CACHE_TTL": "5"}
    too_short = {  # (--publish-delay, IDP_KEY_CACHE_TTL): the floor named
        (10, DEFAULT_KEY_CACHE_TTL): DEFAULT_FLOOR,
        (DEFAULT_FLOOR - 1, DEFAULT_KEY_CACHE_TTL): DEFAULT_FLOOR,
        (5 + JWKS_MAX_AGE - 1, 5): 5 + JWKS_MAX_AGE,
    }
    results = run_concurrently(
        [
            (env if ttl == DEFAULT_KEY_CACHE_TTL else short_ttl, rotate_with(delay), "")
            for delay, ttl in too_short
        ]
    )

    for ((delay, ttl), floor), result in zip(too_short.items(), results, strict=True):
        line = error_line(result)
        assert "--publish-delay" in line, (delay, ttl, line)
        assert f"at least {floor}" in line, (delay, ttl, line)
        assert "IDP_KEY_CACHE_TTL" in line, (delay, ttl, line)
    at_the_floor = run_idp(env, *rotate_with(DEFAULT_FLOOR), "--json")
    assert at_the_floor.returncode == 0, at_the_floor.stderr
    assert len(json.loads(at_the_floor.stdout)) == 2  # a next key per algorithm


def rotate_with(publish_delay: int) -> tuple[str, ...]:
    return ("keys", "rotate", "--publish-delay", str(publish_delay))


def test_a_publish_delay_setting_below_the_floor_stops_every_command_naming_the_variable(
    tmp_path,
):
    env = idp_env(tmp_path, IDP_KEY_PUBLISH_DELAY="10")
    commands = [
        ("serve", "--port", str(free_port())),
        ("db", "upgrade"),
        ("users", "list"),
        ("keys", "list"),
    ]

    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        results = list(pool.map(lambda command: refused(env, *command, cwd=tmp_path), commands))

    for command, result in zip(commands, results, strict=True):
        line = error_line(result)
        assert "IDP_KEY_PUBLISH_DELAY" in line, (command, line)
        assert str(DEFAULT_FLOOR) in line, (command, line)


@contextmanager
def served_without_issuer(directory: Path, *args: str) -> Iterator[ServedIdp]:
    """``idp serve *args`` with no IDP_ISSUER in its environment (served_idp sets one)."""
    stdout_path, stderr_path = directory / "serve.out", directory / "serve.err"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        process = subprocess.Popen(
            [str(IDP), "serve", *args],
            cwd=directory,
            env=idp_env(directory),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
    try:
        yield ServedIdp("", process, stdout_path, stderr_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def printed_url(lines: list[str], label: str) -> str:
    """The URL on the line ``  label: URL``, or on the line after ``label``."""
    for index, line in enumerate(lines):
        if line.strip().startswith(f"{label}:"):
            return line.split(":", 1)[1].split()[0]
        if line.startswith(label):
            return lines[index + 1].strip()
    raise AssertionError(f"no {label!r} in {lines}")


def test_without_idp_issuer_the_issuer_is_the_loopback_address_served__oidc_discovery_s3(
    tmp_path,
):
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"

    with served_without_issuer(tmp_path, "--port", str(port), "--demo") as server:
        lines = server.wait_for_stdout_line("Open this URL")
        discovery_url = printed_url(lines, "discovery")
        sign_in_url = printed_url(lines, "Open this URL")
        assert discovery_url == f"{base_url}/.well-known/openid-configuration", lines
        assert sign_in_url.startswith(f"{base_url}/"), lines

        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                metadata = httpx.get(discovery_url, timeout=2)
                break
            except httpx.TransportError:
                assert server.process.poll() is None, server.logs()
                assert time.monotonic() < deadline, server.logs()
                time.sleep(0.05)
        assert metadata.status_code == 200, metadata.text
        assert metadata.json()["issuer"] == base_url
        assert metadata.json()["authorization_endpoint"] == f"{base_url}/authorize"
        # What the sign-in URL leads to is served here, on the same issuer.
        first_hop = httpx.get(sign_in_url, timeout=5)
        assert first_hop.status_code == 302, first_hop.text
        assert first_hop.headers["location"].startswith(f"{base_url}/authorize?")


def test_without_idp_issuer_serving_a_non_loopback_host_is_refused_in_one_line(tmp_path):
    """An issuer cannot be derived from 0.0.0.0: the URL users reach is unknown, and an
    http issuer is only allowed on loopback."""
    port = free_port()

    result = refused(
        idp_env(tmp_path), "serve", "--host", "0.0.0.0", "--port", str(port), cwd=tmp_path
    )

    line = error_line(result)
    assert "IDP_ISSUER" in line, line
    assert re.search(r"\b0\.0\.0\.0\b", line), line
