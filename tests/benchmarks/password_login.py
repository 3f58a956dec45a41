"""Password sign-ins per second through the login form, against the argon2 ceiling.

Starts Tessera (`idp serve --workers N`, PostgreSQL) and signs users in over HTTP as a
browser does, each sign-in four requests: the authorization request (with
``prompt=login``, so a live session cannot skip the form), the login page, the form's
POST (the password checked with the project's argon2id parameters) and the resumed
interaction that answers with a code. Each connection is a browser of its own user
(cookies kept), so the throttle sees what it would see in production.

In the same run it measures the ceiling: ``PasswordHasher.verify`` with those parameters
in as many processes as the server has workers, before and after the sign-ins (the
mean of the two is the ceiling), and, while the sign-ins run, the latency of a
discovery request sent every 50 ms from a process of its own (the event loop must stay
responsive while passwords are hashed) and the whole machine's busy CPU time per
completed post or sign-in (the server, PostgreSQL, the browsers and the probe; a
verification at the ceiling costs the number of processes over the ceiling)::

    .venv/bin/python -m tests.benchmarks.password_login [--workers 2] [--connections 16]
        [--duration 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from statistics import quantiles
from urllib.parse import urlencode, urlsplit

import httpx

from idp.authn.passwords import HASHER
from tests.benchmarks.bench import run_idp, serving
from tests.benchmarks.lean_browser import LeanBrowser
from tests.support.databases import postgres_database
from tests.support.server import free_port

IDP = str(Path(sys.executable).parent / "idp")
PASSWORD = "bench-passphrase-q7f3k9x2m4"  # the bench users'
REDIRECT_URI = "http://127.0.0.1:9/callback"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
PROBE_INTERVAL = 0.05  # s between discovery requests
WARM_UP = 3  # s of sign-ins before measuring


def verify_for(seconds: float) -> int:
    """Verifications one process completes in ``seconds``."""
    stored = HASHER.hash(PASSWORD)
    done, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        HASHER.verify(stored, PASSWORD)
        done += 1
    return done


def argon2_ceiling(processes: int, seconds: float) -> float:
    """Verifications per second of ``processes`` processes at once."""
    with ProcessPoolExecutor(processes) as pool:
        counts = list(pool.map(verify_for, [seconds] * processes))
    return sum(counts) / seconds


def busy_cpu_seconds() -> float:
    """CPU time the whole machine has spent busy since boot (proc(5), /proc/stat): the
    server, PostgreSQL, the browsers and the probe alike."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle, iowait = fields[3], fields[4]
    return (sum(fields[:8]) - idle - iowait) / os.sysconf("SC_CLK_TCK")


def prepare(env: dict[str, str], users: int) -> str:
    """A first-party client and ``users`` users; the client's id and secret as Basic."""
    run_idp(env, "db", "upgrade")
    client = json.loads(
        run_idp(
            env,
            "clients",
            "create",
            "--name",
            "bench web app",
            "--redirect-uri",
            REDIRECT_URI,
            "--grant",
            "authorization_code",
            "--scope",
            "openid",
            "--first-party",
            "--json",
        )
    )
    for number in range(users):
        run_idp(env, "users", "create", f"bench{number}", "--password-stdin", stdin=PASSWORD)
    return str(client["client_id"])


async def login_page(browser: LeanBrowser, client_id: str) -> tuple[str, str]:
    """The authorization request and its login page: where the form posts, its token."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid",
            "prompt": "login",
        }
    )
    authorize = await browser.get(f"/authorize?{query}")
    login_path = urlsplit(authorize.location).path
    page = await browser.get(login_path)
    csrf = CSRF_FIELD.search(page.text)
    if page.status != 200 or csrf is None:
        raise RuntimeError(f"no login page: {page.status}")
    return f"{login_path}/login", csrf.group(1)


async def log_in(browser: LeanBrowser, action: str, csrf: str, username: str) -> str:
    """The login form's POST; where it sends the browser on."""
    form = {"csrf_token": csrf, "username": username, "password": PASSWORD}
    logged_in = await browser.post(action, form)
    if logged_in.status != 303:
        raise RuntimeError(f"login answered {logged_in.status}")
    return urlsplit(logged_in.location).path


async def sign_in(browser: LeanBrowser, client_id: str, username: str) -> None:
    """A whole sign-in, from the authorization request to the code."""
    action, csrf = await login_page(browser, client_id)
    answered = await browser.get(await log_in(browser, action, csrf, username))
    if not answered.location.startswith(f"{REDIRECT_URI}?code="):
        raise RuntimeError(f"no code: {answered.status}")


async def form_posts(
    browser: LeanBrowser, client_id: str, username: str
) -> Callable[[], Awaitable[object]]:
    """The login form's POST again and again, from one login page (each one a login:
    a password verified and a new session)."""
    action, csrf = await login_page(browser, client_id)
    return lambda: log_in(browser, action, csrf, username)


async def browser_loop(
    base_url: str, client_id: str, username: str, whole: bool, start: float, stop: float
) -> int:
    """What one browser completed between ``start`` and ``stop`` (monotonic): whole
    sign-ins, or login form posts."""
    done = 0
    async with LeanBrowser(base_url) as browser:
        if whole:
            step = partial(sign_in, browser, client_id, username)
        else:
            step = await form_posts(browser, client_id, username)
        while time.monotonic() < stop:
            await step()
            if time.monotonic() >= start:
                done += 1
    return done


async def run_browsers(
    base_url: str, client_id: str, args: argparse.Namespace, whole: bool
) -> tuple[float, float]:
    """Completed per second by ``args.connections`` browsers, after a warm-up, and the
    machine's busy CPU milliseconds per completed one meanwhile."""
    start = time.monotonic() + WARM_UP
    stop = start + args.duration
    loops = [
        browser_loop(base_url, client_id, f"bench{number}", whole, start, stop)
        for number in range(args.connections)
    ]
    busy, completed = await asyncio.gather(busy_between(start, stop), asyncio.gather(*loops))
    return sum(completed) / args.duration, busy * 1000 / max(1, sum(completed))


async def busy_between(start: float, stop: float) -> float:
    await asyncio.sleep(start - time.monotonic())
    before = busy_cpu_seconds()
    await asyncio.sleep(stop - time.monotonic())
    return busy_cpu_seconds() - before


def probe(base_url: str, seconds: float) -> None:
    """Print the latencies (ms) of discovery requests sent every PROBE_INTERVAL."""
    latencies = []
    with httpx.Client(base_url=base_url, timeout=10) as client:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            began = time.perf_counter()
            client.get("/.well-known/openid-configuration").raise_for_status()
            latencies.append((time.perf_counter() - began) * 1000)
            time.sleep(PROBE_INTERVAL)
    print(json.dumps(latencies))


def start_probe(base_url: str, seconds: float) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", __spec__.name, "--probe", base_url, str(seconds)]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        text=True,
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--ceiling-duration", type=float, default=10)
    parser.add_argument("--probe", nargs=2, metavar=("URL", "SECONDS"), help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.probe:
        probe(args.probe[0], float(args.probe[1]))
        return
    before = argon2_ceiling(args.workers, args.ceiling_duration)
    with tempfile.TemporaryDirectory() as workdir, postgres_database() as database_url:
        port = free_port()
        env = {
            **os.environ,
            "BENCH_IDP": IDP,
            "IDP_DATABASE_URL": database_url,
            "IDP_ISSUER": f"http://127.0.0.1:{port}",
            "IDP_SECRET_KEY_FILE": str(Path(workdir) / "secret.key"),
        }
        client_id = prepare(env, args.connections)
        with serving(env, port, args.workers) as base_url:
            rates, cpu, probes = {}, {}, {}
            for name, whole in (("login form posts", False), ("whole sign-ins", True)):
                prober = start_probe(base_url, WARM_UP + args.duration)
                rates[name], cpu[name] = asyncio.run(run_browsers(base_url, client_id, args, whole))
                probes[name] = json.loads(prober.communicate()[0])
    after = argon2_ceiling(args.workers, args.ceiling_duration)
    ceiling = (before + after) / 2
    print(f"argon2 ceiling, {args.workers} processes: {before:.1f}/s before, {after:.1f}/s after")
    print(f"(a verification: {args.workers * 1000 / ceiling:.1f} ms of CPU at the ceiling)")
    print(
        f"\n| {args.connections} browsers | per second | of the ceiling "
        "| machine CPU each | discovery p50 / p99 |"
    )
    print("|---|---|---|---|---|")
    for name, rate in rates.items():
        p50, p99 = (quantiles(probes[name], n=100)[index] for index in (49, 98))
        print(
            f"| {name} | {rate:.1f} | {rate / ceiling:.0%} | {cpu[name]:.1f} ms "
            f"| {p50:.1f} / {p99:.1f} ms |"
        )


if __name__ == "__main__":
    main()
