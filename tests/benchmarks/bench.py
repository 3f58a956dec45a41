"""Throughput and latency of the hot endpoints, over real HTTP.

Starts Tessera as a real server (`idp serve --workers N`, PostgreSQL) in its own
processes and drives it with wrk from another process on the same machine:

    .venv/bin/python -m tests.benchmarks.bench [--workers 2] [--connections 32]
        [--duration 10] [--threads 2] [--token-pool 30000] [--idp PATH ...]

``--idp`` (repeatable) measures other builds in the same run, one after another on
fresh databases, e.g. a venv of an earlier commit next to this checkout's. With
``--alternate R`` the builds are served at once instead (each on its own fresh
database) and only client-credentials issuance is measured, the builds taking turns
for R rounds (the order turned each round): a change of the machine's speed during the
run then weighs on every build alike. It prints each round and the median per build.

Each scenario gets a 3 s warm-up run first (caches filled, every worker past its first
requests); the measured run follows. Prints requests/s and p50/p99 latency per
scenario as a Markdown table.

Introspection is measured twice. "One token, cached" sends the same token on every
request, so after the first one each worker answers from its verified-token cache
(idp.keys.jws.JwtSigner). "N distinct tokens" mints a pool of access tokens (POST
/token, client credentials) right before its run, larger than the workers' caches
together, and sends the next token of the pool on each request (token_pool.lua), so
every request pays for a signature check. A sample of the pool is introspected first
and every answer of the warm-up run is checked to be a 200 with "active": true.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from itertools import chain, repeat
from pathlib import Path
from statistics import median
from urllib.parse import urlencode

import httpx

from idp.keys.jws import VERIFIED_CACHE_SIZE
from tests.support.databases import postgres_database
from tests.support.server import free_port

IDP = str(Path(sys.executable).parent / "idp")  # this checkout's; --idp measures others
TOKEN_POOL_SCRIPT = Path(__file__).with_name("token_pool.lua")
LATENCY_LINE = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
WARM_UP = 3  # seconds of load per scenario before measuring, not reported
ACCESS_TOKEN_TTL = 3600  # s, the bench client's; the pool must outlive its runs
MINT_THREADS = 4  # httpx clients minting the token pool (the client is CPU-bound)
SAMPLE = 20  # pool tokens introspected one by one before the run
DONE_SCRIPT = (
    "done = function(summary, latency, requests)\n"
    '  io.write(string.format("NON2XX %d\\n", summary.errors.status))\n'
    "end\n"
)
FORM = ("Content-Type", "application/x-www-form-urlencoded")


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    method: str = "GET"
    body: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    script: str = DONE_SCRIPT  # Lua after wrk.method/body/headers; must print NON2XX
    script_args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    scenario: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def run_idp(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    completed = subprocess.run(
        [env["BENCH_IDP"], *args], env=env, input=stdin, capture_output=True, text=True, check=True
    )
    return completed.stdout


@contextmanager
def serving(env: dict[str, str], port: int, workers: int) -> Iterator[str]:
    process = subprocess.Popen(
        [env["BENCH_IDP"], "serve", "--port", str(port), "--workers", str(workers)],
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


def lua_script(scenario: Scenario) -> str:
    headers = "".join(f'wrk.headers["{name}"] = "{value}"\n' for name, value in scenario.headers)
    return f'wrk.method = "{scenario.method}"\nwrk.body = "{scenario.body}"\n{headers}' + (
        scenario.script
    )


def run_wrk(
    base_url: str, scenario: Scenario, args: argparse.Namespace, workdir: Path, duration: int
) -> str:
    """wrk's report of one run of the scenario."""
    script = workdir / "scenario.lua"
    script.write_text(lua_script(scenario))
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration}s",
        "--latency",
        "-s",
        str(script),
        base_url + scenario.path,
    ]
    if scenario.script_args:
        command += ["--", *scenario.script_args]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def report_number(output: str, label: str) -> int:
    return int(re.search(rf"^{label} (\d+)$", output, re.MULTILINE).group(1))  # type: ignore[union-attr]


def parse_result(name: str, output: str) -> Result:
    latencies = {
        pct: float(value) * UNITS_MS[unit] for pct, value, unit in LATENCY_LINE.findall(output)
    }
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = report_number(output, "NON2XX")
    return Result(name, rps, latencies["50"], latencies["99"], errors)


def measure(base_url: str, scenario: Scenario, args: argparse.Namespace, workdir: Path) -> Result:
    run_wrk(base_url, scenario, args, workdir, WARM_UP)  # steady state only
    return parse_result(scenario.name, run_wrk(base_url, scenario, args, workdir, args.duration))


def prepare(env: dict[str, str]) -> str:
    """A service client with a resource; its HTTP Basic credentials."""
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
            "--access-token-ttl",
            str(ACCESS_TOKEN_TTL),
            "--json",
        )
    )
    basic = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode())
    return "Basic " + basic.decode()


def mint(base_url: str, basic: str, count: int) -> list[tuple[str, float]]:
    """`count` access tokens from POST /token, each with when it expires (time.time())."""
    minted = []
    with httpx.Client(base_url=base_url, headers={"Authorization": basic}) as client:
        for _ in range(count):
            sent_at = time.time()
            response = client.post("/token", data={"grant_type": "client_credentials"})
            response.raise_for_status()
            answer = response.json()
            minted.append((answer["access_token"], sent_at + answer["expires_in"]))
    return minted


def mint_tokens(base_url: str, basic: str, count: int) -> tuple[list[str], float]:
    """`count` access tokens, minted by several threads, and when the first expires."""
    shares = [count // MINT_THREADS + (i < count % MINT_THREADS) for i in range(MINT_THREADS)]
    with ThreadPoolExecutor(MINT_THREADS) as pool:
        minted = list(chain.from_iterable(pool.map(mint, repeat(base_url), repeat(basic), shares)))
    return [token for token, _ in minted], min(expiry for _, expiry in minted)


def check_active(base_url: str, basic: str, tokens: list[str]) -> None:
    with httpx.Client(base_url=base_url, headers={"Authorization": basic}) as client:
        for token in tokens:
            response = client.post("/introspect", data={"token": token})
            if response.status_code != 200 or response.json().get("active") is not True:
                raise RuntimeError(f"a bench token is not active: {response.text}")


def token_pool(base_url: str, basic: str, args: argparse.Namespace, workdir: Path) -> Path:
    """A file of `args.token_pool` distinct live access tokens, one a line."""
    started = time.monotonic()
    tokens, first_expiry = mint_tokens(base_url, basic, args.token_pool)
    if len(set(tokens)) != len(tokens):
        raise RuntimeError("the token pool has duplicates")
    if first_expiry < time.time() + WARM_UP + args.duration + 30:
        raise RuntimeError("the token pool would expire during its runs")
    check_active(base_url, basic, random.sample(tokens, min(SAMPLE, len(tokens))))
    path = workdir / "tokens.txt"
    path.write_text("\n".join(tokens) + "\n")
    print(f"minted {len(tokens):,} tokens in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return path


def measure_token_pool(
    base_url: str, basic: str, args: argparse.Namespace, workdir: Path
) -> Result:
    """Introspection with the next token of a fresh pool on every request; the measured
    run goes on through the pool where the warm-up run stopped."""
    pool = str(token_pool(base_url, basic, args, workdir))
    scenario = Scenario(
        f"introspection ({args.token_pool:,} distinct tokens)",
        "/introspect",
        "POST",
        headers=(FORM, ("Authorization", basic)),
        script=TOKEN_POOL_SCRIPT.read_text(),
    )
    warm_up_args = (pool, str(args.threads), "0", "check")
    output = run_wrk(base_url, replace(scenario, script_args=warm_up_args), args, workdir, WARM_UP)
    inactive = report_number(output, "INACTIVE")
    if inactive:
        raise RuntimeError(f"{inactive} warm-up answers were not 200 with active=true")
    measured_args = (pool, str(args.threads), str(report_number(output, "NEXT")))
    output = run_wrk(
        base_url, replace(scenario, script_args=measured_args), args, workdir, args.duration
    )
    return parse_result(scenario.name, output)


def fixed_scenarios(base_url: str, basic: str) -> tuple[list[Scenario], list[Scenario]]:
    """The scenarios measured before and after the token pool one."""
    token = httpx.post(
        f"{base_url}/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic},
    ).json()["access_token"]
    check_active(base_url, basic, [token])
    auth = ("Authorization", basic)
    before = [
        Scenario(
            "client_credentials token",
            "/token",
            "POST",
            "grant_type=client_credentials",
            (FORM, auth),
        ),
        Scenario(
            "introspection (one token, cached)",
            "/introspect",
            "POST",
            urlencode({"token": token}),
            (FORM, auth),
        ),
    ]
    after = [Scenario("jwks", "/jwks"), Scenario("discovery", "/.well-known/openid-configuration")]
    return before, after


def run_all(base_url: str, basic: str, args: argparse.Namespace, workdir: Path) -> list[Result]:
    before, after = fixed_scenarios(base_url, basic)
    results = [measure(base_url, scenario, args, workdir) for scenario in before]
    results.append(measure_token_pool(base_url, basic, args, workdir))
    results += [measure(base_url, scenario, args, workdir) for scenario in after]
    return results


def print_table(results: list[Result], args: argparse.Namespace) -> None:
    print(f"workers={args.workers} wrk -t{args.threads} -c{args.connections} -d{args.duration}s")
    print("| scenario | requests/s | p50 ms | p99 ms | non-2xx |")
    print("|---|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.scenario} | {r.requests_per_second:,.0f} | {r.p50_ms:.2f} | "
            f"{r.p99_ms:.2f} | {r.errors} |"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument(
        "--idp",
        action="append",
        help="an idp executable to measure (repeatable, e.g. another build's venv/bin/idp, "
        "to compare builds in one run); default: this checkout's",
    )
    parser.add_argument(
        "--token-pool",
        type=int,
        default=30_000,
        help="distinct access tokens for the uncached introspection scenario",
    )
    parser.add_argument(
        "--alternate",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="serve the builds at once and measure client-credentials issuance only, "
        "the builds taking turns for ROUNDS rounds",
    )
    args = parser.parse_args()
    if args.token_pool < args.threads:
        parser.error("--token-pool must be at least --threads")
    if args.token_pool < args.workers * VERIFIED_CACHE_SIZE:
        print(
            f"warning: a pool of {args.token_pool:,} tokens may partly be served from the "
            f"workers' caches ({args.workers} x {VERIFIED_CACHE_SIZE:,} tokens)",
            file=sys.stderr,
        )
    return args


def main() -> None:
    args = parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is required (Debian package wrk)")
    if args.alternate:
        alternate_issuance(args.idp or [IDP], args)
        return
    for idp in args.idp or [IDP]:
        results = measure_build(idp, args)
        print(f"\n{idp}")
        print_table(results, args)


def measure_build(idp: str, args: argparse.Namespace) -> list[Result]:
    """Every scenario against one build, on a fresh database."""
    with ExitStack() as stack:
        base_url, basic, workdir = served_build(stack, idp, args)
        return run_all(base_url, basic, args, workdir)


def served_build(stack: ExitStack, idp: str, args: argparse.Namespace) -> tuple[str, str, Path]:
    """``idp`` serving a fresh database until ``stack`` closes: its URL, the bench
    client's credentials, a working directory."""
    port = free_port()
    workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    env = {
        **os.environ,
        "BENCH_IDP": idp,
        "IDP_DATABASE_URL": stack.enter_context(postgres_database()),
        "IDP_SECRET_KEY_FILE": str(workdir / "secret.key"),
        "IDP_ISSUER": f"http://127.0.0.1:{port}",
    }
    basic = prepare(env)
    return stack.enter_context(serving(env, port, args.workers)), basic, workdir


def alternate_issuance(builds: list[str], args: argparse.Namespace) -> None:
    """Client-credentials issuance, the builds (all served at once) taking turns."""
    results: dict[str, list[Result]] = {idp: [] for idp in builds}
    with ExitStack() as stack:
        served = {idp: served_build(stack, idp, args) for idp in builds}
        for round_ in range(args.alternate):
            turn = builds[round_ % len(builds) :] + builds[: round_ % len(builds)]
            for idp in turn:
                base_url, basic, workdir = served[idp]
                [scenario, *_], _ = fixed_scenarios(base_url, basic)
                result = measure(base_url, scenario, args, workdir)
                results[idp].append(result)
                print(
                    f"round {round_ + 1} {idp}: {result.requests_per_second:,.0f}/s "
                    f"p99 {result.p99_ms:.2f} ms non-2xx {result.errors}",
                    flush=True,
                )
    print(
        f"workers={args.workers} wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration}s, {args.alternate} rounds, medians"
    )
    print("| build | client-credentials tokens/s | p50 ms | p99 ms | non-2xx |")
    print("|---|---:|---:|---:|---:|")
    for idp, runs in results.items():
        print(
            f"| {idp} | {median(r.requests_per_second for r in runs):,.0f} | "
            f"{median(r.p50_ms for r in runs):.2f} | {median(r.p99_ms for r in runs):.2f} | "
            f"{sum(r.errors for r in runs)} |"
        )


if __name__ == "__main__":
    main()
