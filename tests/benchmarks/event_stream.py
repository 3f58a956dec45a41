"""The security event stream under load, over real HTTP: `idp serve` processes on one
PostgreSQL database, Server-Sent Events subscribers (SSF streams with the
urn:tessera:ssf:sse method) in this process.

    .venv/bin/python -m tests.benchmarks.event_stream [--revocations 200]
        [--subscribers 50] [--duration 20]

Latency: for each revocation (RFC 7009, a fresh client-credentials token, one at a
time) the time from the IdP's 200 to the subscriber's receipt of the SET naming that
token; on one node, and with the subscriber on a second node that hears of it through
Redis. Throughput: revocations per second that the IdP (two workers) sustains for
``--duration`` seconds from four concurrent revokers while ``--subscribers``
subscribers are connected, and how long after the last revocation the slowest
subscriber has every SET; the same without subscribers for comparison. Prints Markdown.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import jwt

from tests.benchmarks.bench import IDP, run_idp, serving
from tests.support.databases import postgres_database
from tests.support.redis_server import REDIS_URL
from tests.support.server import free_port

SSE = {"method": "urn:tessera:ssf:sse"}
STREAMS_PER_RECEIVER = 10  # idp.ssf.streams.MAX_STREAMS_PER_RECEIVER
REVOKERS = 4
TIMEOUT = 30.0


def client(env: dict[str, str], scope: str) -> str:
    created = json.loads(
        run_idp(
            env,
            "clients",
            "create",
            "--name",
            "bench",
            "--grant",
            "client_credentials",
            "--scope",
            scope,
            "--json",
        )
    )
    credentials = f"{created['client_id']}:{created['client_secret']}".encode()
    return "Basic " + base64.b64encode(credentials).decode()


def access_token(base_url: str, basic: str) -> str:
    response = httpx.post(
        f"{base_url}/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic},
        timeout=TIMEOUT,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def sse_stream(base_url: str, bearer: str) -> str:
    response = httpx.post(
        f"{base_url}/ssf/streams",
        json={"delivery": SSE},
        headers={"Authorization": f"Bearer {bearer}"},
        timeout=TIMEOUT,
    )
    response.raise_for_status()
    return str(response.json()["stream_id"])


@dataclass
class Subscriber:
    """One SSE connection; when each revoked token's SET arrived (time.monotonic())."""

    url: str
    bearer: str
    arrived: dict[str, float] = field(default_factory=dict)
    connected: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.bearer}", "Accept": "text/event-stream"}
        timeout = httpx.Timeout(60.0, connect=10.0)
        with httpx.stream("GET", self.url, headers=headers, timeout=timeout) as response:
            response.raise_for_status()
            self.connected.set()
            for line in response.iter_lines():
                if self.stop.is_set():
                    return
                if line.startswith("data:"):
                    claims = jwt.decode(line[5:].strip(), options={"verify_signature": False})
                    jti = claims["sub_id"].get("jti")
                    if jti is not None:
                        self.arrived[jti] = time.monotonic()

    def wait_for(self, jti: str) -> float:
        deadline = time.monotonic() + TIMEOUT
        while jti not in self.arrived:
            if time.monotonic() > deadline:
                raise RuntimeError("a SET never arrived")
            time.sleep(0.0005)
        return self.arrived[jti]


@contextmanager
def subscribed(subscribers: list[Subscriber]) -> Iterator[list[Subscriber]]:
    threads = [threading.Thread(target=s.run, daemon=True) for s in subscribers]
    for thread in threads:
        thread.start()
    for subscriber in subscribers:
        if not subscriber.connected.wait(TIMEOUT):
            raise RuntimeError("a subscriber could not connect")
    try:
        yield subscribers
    finally:
        for subscriber in subscribers:
            subscriber.stop.set()


def jti_of(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["jti"])


def revoke(http: httpx.Client, base_url: str, token: str) -> None:
    http.post(f"{base_url}/revoke", data={"token": token}).raise_for_status()


@contextmanager
def cluster(nodes: int, workers: int, extra_env: dict[str, str]) -> Iterator[tuple[dict, list]]:
    ports = [free_port() for _ in range(nodes)]
    with (
        tempfile.TemporaryDirectory() as tmp,
        postgres_database() as database_url,
        ExitStack() as stack,
    ):
        env = {
            **os.environ,
            "BENCH_IDP": IDP,
            "IDP_DATABASE_URL": database_url,
            "IDP_SECRET_KEY_FILE": str(Path(tmp) / "secret.key"),
            "IDP_ISSUER": f"http://127.0.0.1:{ports[0]}",
            **extra_env,
        }
        run_idp(env, "db", "upgrade")
        urls = [stack.enter_context(serving(env, port, workers)) for port in ports]
        yield env, urls


def latencies(nodes: int, count: int) -> list[float]:
    """Revocation on the first node, subscriber on the last."""
    env_extra = {"IDP_REDIS_URL": REDIS_URL} if nodes > 1 else {}
    with cluster(nodes, 1, env_extra) as (env, urls):
        revoker, receiver = client(env, "orders:read"), client(env, "ssf.manage ssf.read")
        first, last = urls[0], urls[-1]
        bearer = access_token(first, receiver)
        stream_id = sse_stream(first, bearer)
        time.sleep(2)  # every node on the bus
        subscriber = Subscriber(f"{last}/ssf/sse/{stream_id}", bearer)
        delays = []
        with subscribed([subscriber]), httpx.Client(headers={"Authorization": revoker}) as http:
            for _ in range(count):
                token = access_token(first, revoker)
                revoke(http, first, token)
                revoked_at = time.monotonic()
                delays.append(subscriber.wait_for(jti_of(token)) - revoked_at)
    return sorted(delays)


def throughput(subscriber_count: int, duration: float) -> tuple[float, float, int]:
    """(revocations/s, seconds until every subscriber had every SET, revocations)."""
    with cluster(1, 2, {}) as (env, [base_url]):
        revoker = client(env, "orders:read")
        receivers = [
            client(env, "ssf.manage ssf.read")
            for _ in range(-(-subscriber_count // STREAMS_PER_RECEIVER))
        ]
        subscribers = []
        for index in range(subscriber_count):
            bearer = access_token(base_url, receivers[index // STREAMS_PER_RECEIVER])
            stream_id = sse_stream(base_url, bearer)
            subscribers.append(Subscriber(f"{base_url}/ssf/sse/{stream_id}", bearer))
        pool = [access_token(base_url, revoker) for _ in range(int(duration * 400))]
        with subscribed(subscribers):
            revoked: list[str] = []
            started = time.monotonic()

            def revoking(tokens: list[str]) -> None:
                with httpx.Client(headers={"Authorization": revoker}, timeout=TIMEOUT) as http:
                    for token in tokens:
                        if time.monotonic() - started > duration:
                            return
                        revoke(http, base_url, token)
                        revoked.append(jti_of(token))

            shares = [pool[i::REVOKERS] for i in range(REVOKERS)]
            with ThreadPoolExecutor(REVOKERS) as executor:
                list(executor.map(revoking, shares))
            ended = time.monotonic()
            rate = len(revoked) / (ended - started)
            caught_up = max(
                (subscriber.wait_for(jti) for subscriber in subscribers for jti in revoked),
                default=ended,
            )
    return rate, max(0.0, caught_up - ended), len(revoked)


def percentile(values: list[float], fraction: float) -> float:
    return values[min(len(values) - 1, int(len(values) * fraction))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revocations", type=int, default=200)
    parser.add_argument("--subscribers", type=int, default=50)
    parser.add_argument("--duration", type=float, default=20)
    args = parser.parse_args()
    print("| revocation → SSE subscriber | revocations | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for label, nodes in (("one node", 1), ("two nodes, Redis event bus", 2)):
        delays = latencies(nodes, args.revocations)
        print(
            f"| {label} | {len(delays)} | {statistics.median(delays) * 1000:.1f} | "
            f"{percentile(delays, 0.99) * 1000:.1f} | {delays[-1] * 1000:.1f} |"
        )
    print()
    print("| subscribers | revocations | revocations/s | slowest subscriber behind by, s |")
    print("|---:|---:|---:|---:|")
    for count in (0, args.subscribers):
        rate, lag, total = throughput(count, args.duration)
        print(f"| {count} | {total} | {rate:,.0f} | {lag:.2f} |")


if __name__ == "__main__":
    main()
