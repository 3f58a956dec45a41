"""Throughput and latency of the hot endpoints, over real HTTP.

Starts Tessera as a real server (`idp serve --workers N`, PostgreSQL) in its own
processes and drives it with wrk from another process on the same machine:

    .venv/bin/python -m tests.benchmarks.bench [--workers 2] [--connections 32]
        [--duration 10] [--threads 2]

Each endpoint gets a 3 s warm-up run first (caches filled, every worker past its first
requests); the measured run follows. Prints requests/s and p50/p99 latency per
endpoint as a Markdown table.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx

from tests.support.databases import postgres_database
from tests.support.server import free_port

IDP = str(Path(sys.executable).parent / "idp")
LATENCY_LINE = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
WARM_UP = 3  # seconds of load per endpoint before measuring, not reported


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    method: str = "GET"
    body: str = ""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Result:
    scenario: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def run_idp(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    completed = subprocess.run(
        [IDP, *args], env=env, input=stdin, capture_output=True, text=True, check=True
    )
    return completed.stdout


@contextmanager
def serving(env: dict[str, str], port: int, workers: int) -> Iterator[str]:
    process = subprocess.Popen(
        [IDP, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the IdP did not start")
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)


def wrk(
    base_url: str,
    scenario: Scenario,
    args: argparse.Namespace,
    workdir: Path,
    *,
    duration: int | None = None,
) -> Result:
    script = workdir / f"{scenario.name}.lua"
    headers = "".join(f'wrk.headers["{name}"] = "{value}"\n' for name, value in scenario.headers)
    script.write_text(
        f'wrk.method = "{scenario.method}"\nwrk.body = "{scenario.body}"\n{headers}'
        "done = function(summary, latency, requests)\n"
        '  io.write(string.format("NON2XX %d\\n", summary.errors.status))\n'
        "end\n"
    )
    output = subprocess.run(
        [
            "wrk",
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "--latency",
            "-s",
            str(script),
            base_url + scenario.path,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    latencies = {
        pct: float(value) * UNITS_MS[unit] for pct, value, unit in LATENCY_LINE.findall(output)
    }
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = int(re.search(r"NON2XX (\d+)", output).group(1))  # type: ignore[union-attr]
    return Result(scenario.name, rps, latencies["50"], latencies["99"], errors)


def prepare(env: dict[str, str]) -> tuple[str, str, str]:
    """A service client with a resource, and one token of it to introspect."""
    run_idp(env, "db", "upgrade")
    client = json.loads(
        run_idp(
            env,
            "clients",
            "create",
            "--name",
            "bench",
            "--grant",
            "client_credentials",
            "--scope",
            "orders:read",
            "--resource",
            "https://api.example/orders",
            "--json",
        )
    )
    basic = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode())
    return client["client_id"], client["client_secret"], "Basic " + basic.decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is required (Debian package wrk)")
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp, postgres_database() as database_url:
        workdir = Path(tmp)
        env = {
            **os.environ,
            "IDP_DATABASE_URL": database_url,
            "IDP_SECRET_KEY_FILE": str(workdir / "secret.key"),
            "IDP_ISSUER": f"http://127.0.0.1:{port}",
        }
        _client_id, _secret, basic = prepare(env)
        with serving(env, port, args.workers) as base_url:
            token = httpx.post(
                f"{base_url}/token",
                data={"grant_type": "client_credentials"},
                headers={"Authorization": basic},
            ).json()["access_token"]
            form = ("Content-Type", "application/x-www-form-urlencoded")
            auth = ("Authorization", basic)
            scenarios = [
                Scenario(
                    "client_credentials token",
                    "/token",
                    "POST",
                    "grant_type=client_credentials",
                    (form, auth),
                ),
                Scenario(
                    "introspection",
                    "/introspect",
                    "POST",
                    urlencode({"token": token}),
                    (form, auth),
                ),
                Scenario("jwks", "/jwks"),
                Scenario("discovery", "/.well-known/openid-configuration"),
            ]
            results = []
            for scenario in scenarios:
                wrk(base_url, scenario, args, workdir, duration=WARM_UP)  # steady state only
                results.append(wrk(base_url, scenario, args, workdir))
    print(f"workers={args.workers} wrk -t{args.threads} -c{args.connections} -d{args.duration}s")
    print("| endpoint | requests/s | p50 ms | p99 ms | non-2xx |")
    print("|---|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.scenario} | {r.requests_per_second:,.0f} | {r.p50_ms:.2f} | "
            f"{r.p99_ms:.2f} | {r.errors} |"
        )


if __name__ == "__main__":
    main()
