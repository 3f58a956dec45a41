"""How long a revocation made on one node takes to be honoured by another, over real
HTTP: two `idp serve` processes (one worker each, one issuer, one instance secret) on one
PostgreSQL database, with the event bus on Redis and without it (polling only):

    .venv/bin/python -m tests.benchmarks.propagation [--revocations 200]

For each revocation: a fresh access token (client credentials on node A), checked
active at node B's introspection endpoint, revoked at node A (RFC 7009), then node B is
introspected in a loop until it says inactive; the time from A's 200 to B's first
"active": false is the propagation latency (it includes one introspection round trip,
about a millisecond here). Prints p50, p99 and max per configuration as Markdown."""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from tests.benchmarks.bench import IDP, prepare, serving
from tests.support.databases import postgres_database
from tests.support.redis_server import REDIS_URL
from tests.support.server import free_port

TIMEOUT = 10.0  # s: a revocation not honoured by then fails the run


def propagation_delays(a: str, b: str, basic: str, count: int) -> list[float]:
    headers = {"Authorization": basic}
    delays = []
    with httpx.Client(headers=headers, timeout=5) as http:
        for _ in range(count):
            token = http.post(f"{a}/token", data={"grant_type": "client_credentials"}).json()
            access = token["access_token"]
            if not http.post(f"{b}/introspect", data={"token": access}).json()["active"]:
                raise RuntimeError("a fresh token is inactive at node B")
            http.post(f"{a}/revoke", data={"token": access}).raise_for_status()
            revoked_at = time.monotonic()
            while http.post(f"{b}/introspect", data={"token": access}).json()["active"]:
                if time.monotonic() - revoked_at > TIMEOUT:
                    raise RuntimeError("node B did not honour a revocation in time")
            delays.append(time.monotonic() - revoked_at)
    return delays


def measure(label: str, extra_env: dict[str, str], count: int) -> str:
    port_a, port_b = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp, postgres_database() as database_url:
        env = {
            **os.environ,
            "BENCH_IDP": IDP,
            "IDP_DATABASE_URL": database_url,
            "IDP_SECRET_KEY_FILE": str(Path(tmp) / "secret.key"),
            "IDP_ISSUER": f"http://127.0.0.1:{port_a}",
            **extra_env,
        }
        basic = prepare(env)
        with serving(env, port_a, 1) as a, serving(env, port_b, 1) as b:
            time.sleep(2)  # both subscribed to the bus (when there is one)
            delays = sorted(propagation_delays(a, b, basic, count))
    p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
    return (
        f"| {label} | {count} | {statistics.median(delays) * 1000:.1f} | "
        f"{p99 * 1000:.1f} | {delays[-1] * 1000:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revocations", type=int, default=200)
    args = parser.parse_args()
    rows = [
        measure(
            "Redis event bus (IDP_REDIS_URL), polling every 30 s",
            {"IDP_REDIS_URL": REDIS_URL},
            args.revocations,
        ),
        measure("polling only, IDP_CACHE_POLL_INTERVAL=1", {}, args.revocations),
    ]
    print("| between nodes | revocations | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
