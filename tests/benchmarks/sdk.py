"""The relying-party SDK (idp.rp): offline validation throughput, the memory its
revocation state holds, and how soon a revocation at the IdP is refused.

    .venv/bin/python -m tests.benchmarks.sdk [--tokens 2000] [--rounds 7]
        [--revocations 200]

Throughput, per core (one thread): ``Provider.validate_access_token`` over ES256 and
RS256 access tokens with revocation checking on (a status list covering 1,000,000
tokens, 1 % of them revoked, and 10,000 revoked sessions from the event stream), and
in the same run a bare ``jwt.decode`` of the same tokens with a preloaded key. The
SDK talks to a provider made of an httpx.MockTransport (discovery, JWKS, the status
list, a security event stream delivering 10,000 session-revoked SETs): everything
goes through the SDK's own code, nothing is read from the network while measuring.
Best of ``--rounds`` rounds of ``--tokens`` tokens each, the two interleaved.

Memory: tracemalloc, what stays allocated after the SDK's own code read that status
list (decompressed, 2 bits per token) and those 10,000 events into a revocation state.

Latency: an ``idp serve`` process (SQLite) and an SDK following its event stream in
this process; for each of ``--revocations`` RFC 7009 revocations (one at a time), the
time from the IdP's 200 to the first validation the SDK refuses. Prints Markdown.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from idp.revocation.status_list import Status, encode
from idp.rp import Provider, RevokedToken
from idp.rp.events import SESSION_REVOKED, EventReader
from idp.rp.revocation import RevocationState
from idp.rp.status_lists import read_status_list
from idp.rp.strict_json import loads_object
from tests.benchmarks.bench import IDP, run_idp, serving
from tests.support.server import free_port

ISSUER = "https://idp.example"
API = "https://api.example/orders"
LIST_URI = f"{ISSUER}/statuslists/1"
LIST_SIZE = 1_000_000
REVOKED_SHARE = 0.01
SESSIONS = 10_000
SCOPES = ("orders:read",)
RECEIVER = ("receiver", "receiver-secret")
SSE_PATH = "/ssf/sse/bench"
TIMEOUT = 30.0


class Keys:
    def __init__(self) -> None:
        self.es256 = ec.generate_private_key(ec.SECP256R1())
        self.rs256 = rsa.generate_private_key(public_exponent=65537, key_size=3072)  # as Tessera

    def private(self, alg: str) -> Any:
        return self.es256 if alg == "ES256" else self.rs256

    def jwks(self) -> dict[str, Any]:
        return {
            "keys": [
                {
                    **ECAlgorithm.to_jwk(self.es256.public_key(), as_dict=True),
                    "kid": "es",
                    "alg": "ES256",
                },
                {
                    **RSAAlgorithm.to_jwk(self.rs256.public_key(), as_dict=True),
                    "kid": "rs",
                    "alg": "RS256",
                },
            ]
        }

    def sign(self, claims: dict[str, Any], alg: str = "ES256", typ: str = "at+jwt") -> str:
        kid = "es" if alg == "ES256" else "rs"
        return jwt.encode(
            claims, self.private(alg), algorithm=alg, headers={"kid": kid, "typ": typ}
        )


class Revocations:
    """A million-token list with 1 % revoked, 10,000 ended sessions, and the Status List
    Token and SETs that tell them."""

    def __init__(self, keys: Keys) -> None:
        rng = random.Random(9)
        revoked = rng.sample(range(LIST_SIZE), int(LIST_SIZE * REVOKED_SHARE))
        self.revoked = set(revoked)
        self.lst = encode(LIST_SIZE, dict.fromkeys(revoked, Status.INVALID))
        self.sids = [uuid.uuid4().hex[:22] for _ in range(SESSIONS)]
        now = int(time.time())
        self.list_claims = {
            "iss": ISSUER,
            "sub": LIST_URI,
            "iat": now,
            "exp": now + 86400,
            "ttl": 3600,
            "status_list": {"bits": 2, "lst": self.lst},
        }
        self.list_token = keys.sign(self.list_claims, typ="statuslist+jwt")
        self.sets = [keys.sign(self._set(sid, now), typ="secevent+jwt") for sid in self.sids]

    @staticmethod
    def _set(sid: str, now: int) -> dict[str, Any]:
        user = {"format": "iss_sub", "iss": ISSUER, "sub": "user"}
        session = {"format": "opaque", "id": sid}
        return {
            "iss": ISSUER,
            "iat": now,
            "jti": f"bench.{sid}",
            "aud": RECEIVER[0],
            "sub_id": {"format": "complex", "user": user, "session": session},
            "events": {SESSION_REVOKED: {"event_timestamp": now, "initiating_entity": "user"}},
        }


def mock_provider(
    keys: Keys, revocations: Revocations, stop: threading.Event
) -> httpx.MockTransport:
    """Tessera as the SDK sees it, in memory."""
    stream = {
        "stream_id": "bench",
        "delivery": {"method": "urn:tessera:ssf:sse", "endpoint_url": ISSUER + SSE_PATH},
    }
    documents: dict[tuple[str, str], Any] = {
        ("GET", "/.well-known/openid-configuration"): {
            "issuer": ISSUER,
            "jwks_uri": f"{ISSUER}/jwks",
            "token_endpoint": f"{ISSUER}/token",
            "id_token_signing_alg_values_supported": ["ES256", "RS256"],
            "status_list_aggregation_endpoint": f"{ISSUER}/statuslists",
        },
        ("GET", "/jwks"): keys.jwks(),
        ("GET", "/statuslists"): {"status_lists": [LIST_URI]},
        ("GET", "/.well-known/ssf-configuration"): {
            "issuer": ISSUER,
            "configuration_endpoint": f"{ISSUER}/ssf/streams",
        },
        ("POST", "/token"): {"access_token": "receiver-token", "expires_in": 86400},
        ("GET", "/ssf/streams"): [stream],
    }

    def events() -> Iterator[bytes]:
        for position, token in enumerate(revocations.sets, 1):
            yield f"id: {position}\nevent: set\ndata: {token}\n\n".encode()
        while not stop.wait(0.5):
            yield b": ping\n\n"

    def handle(request: httpx.Request) -> httpx.Response:
        key = (request.method, request.url.path)
        if key in documents:
            return httpx.Response(
                200, json=documents[key], headers={"Cache-Control": "max-age=3600"}
            )
        if request.url.path == "/statuslists/1":
            if request.headers.get("if-none-match") == '"1"':
                return httpx.Response(304, headers={"ETag": '"1"'})
            return httpx.Response(
                200,
                text=revocations.list_token,
                headers={"ETag": '"1"', "Content-Type": "application/statuslist+jwt"},
            )
        if request.url.path == SSE_PATH:
            return httpx.Response(
                200, content=events(), headers={"Content-Type": "text/event-stream"}
            )
        return httpx.Response(404)

    return httpx.MockTransport(handle)


def access_tokens(keys: Keys, revocations: Revocations, alg: str, count: int) -> list[str]:
    """Valid tokens: indexes that are not revoked, sessions that have not ended."""
    rng = random.Random(alg)
    now = int(time.time())
    tokens = []
    while len(tokens) < count:
        idx = rng.randrange(LIST_SIZE)
        if idx in revocations.revoked:
            continue
        claims = {
            "iss": ISSUER,
            "sub": uuid.uuid4().hex[:22],
            "aud": API,
            "client_id": "orders-app",
            "scope": "orders:read orders:write",
            "jti": uuid.uuid4().hex[:22],
            "iat": now,
            "exp": now + 3600,
            "sid": uuid.uuid4().hex[:22],
            "auth_time": now,
            "acr": "urn:tessera:acr:password",
            "status": {"status_list": {"idx": idx, "uri": LIST_URI}},
        }
        tokens.append(keys.sign(claims, alg))
    return tokens


@contextmanager
def following_sdk(keys: Keys, revocations: Revocations) -> Iterator[Provider]:
    """A Provider on the in-memory Tessera, its revocation state complete."""
    stop = threading.Event()
    http = httpx.Client(transport=mock_provider(keys, revocations, stop))
    try:
        with Provider(ISSUER, http=http) as provider:
            follower = provider.follow_revocations(client_id=RECEIVER[0], client_secret=RECEIVER[1])
            if not follower.wait_until_current(TIMEOUT):
                raise RuntimeError("the SDK did not become current")
            probe = keys.sign(
                {
                    **jwt.decode(
                        access_tokens(keys, revocations, "ES256", 1)[0],
                        options={"verify_signature": False},
                    ),
                    "sid": revocations.sids[-1],
                }
            )
            deadline = time.monotonic() + TIMEOUT
            while time.monotonic() < deadline:  # every session-revoked SET applied
                try:
                    provider.validate_access_token(probe, audience=API)
                except RevokedToken:
                    break
                time.sleep(0.05)
            else:
                raise RuntimeError("the SETs were not all applied")
            yield provider
            stop.set()
    finally:
        http.close()


def per_second(validate: Any, tokens: list[str]) -> float:
    started = time.perf_counter()
    for token in tokens:
        validate(token)
    return len(tokens) / (time.perf_counter() - started)


def throughput(
    provider: Provider, keys: Keys, revocations: Revocations, alg: str, count: int, rounds: int
) -> tuple[float, float]:
    """(SDK tokens/s, bare PyJWT tokens/s): best of ``rounds``, interleaved."""
    tokens = access_tokens(keys, revocations, alg, count)
    public_key = keys.private(alg).public_key()

    def sdk(token: str) -> None:
        provider.validate_access_token(token, audience=API, scopes=SCOPES)

    def bare(token: str) -> None:
        jwt.decode(token, public_key, algorithms=[alg], audience=API, issuer=ISSUER)

    sdk(tokens[0])
    bare(tokens[0])
    results: dict[str, list[float]] = {"sdk": [], "bare": []}
    for _ in range(rounds):
        results["sdk"].append(per_second(sdk, tokens))
        results["bare"].append(per_second(bare, tokens))
    return max(results["sdk"]), max(results["bare"])


def revocation_state_bytes(revocations: Revocations) -> tuple[int, int]:
    """(bytes the list holds, bytes the 10,000 sessions hold), read by the SDK's code."""
    list_payload = json.dumps(revocations.list_claims).encode()
    set_payloads = [
        json.dumps(Revocations._set(sid, int(time.time()))).encode() for sid in revocations.sids
    ]
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    status_list = read_status_list(loads_object(list_payload), LIST_URI, ISSUER, time.time())
    gc.collect()
    after_list = tracemalloc.get_traced_memory()[0]
    state = RevocationState(
        lists=None, follows_events=True, max_staleness=300, on_stale="reject", leeway=30
    )
    reader = EventReader(state, ISSUER)
    now = time.time()
    for payload in set_payloads:
        reader.apply(loads_object(payload), now)
    gc.collect()
    after_sessions = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(state.sids) == SESSIONS
    assert status_list[0].bits == 2
    return after_list - base, after_sessions - after_list


@contextmanager
def served_idp(directory: Path) -> Iterator[tuple[str, dict[str, str], dict[str, str]]]:
    """An ``idp serve`` process on SQLite; its URL, a service client and an SSF receiver
    (each ``client_id``/``client_secret``)."""
    port = free_port()
    env = {
        "BENCH_IDP": IDP,
        "PATH": str(Path(IDP).parent),
        "IDP_DATABASE_URL": f"sqlite:///{directory / 'idp.db'}",
        "IDP_SECRET_KEY_FILE": str(directory / "secret.key"),
        "IDP_ISSUER": f"http://127.0.0.1:{port}",
    }
    run_idp(env, "db", "upgrade")

    def client(scope: str) -> dict[str, str]:
        created = run_idp(
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
        return json.loads(created)

    service, receiver = client("orders:read"), client("ssf.manage ssf.read")
    with serving(env, port, workers=1) as base_url:
        yield base_url, service, receiver


def latencies(count: int) -> list[float]:
    with (
        tempfile.TemporaryDirectory() as directory,
        served_idp(Path(directory)) as (base_url, service, receiver),
    ):
        auth = (service["client_id"], service["client_secret"])
        with (
            httpx.Client(base_url=base_url, auth=auth, timeout=TIMEOUT) as http,
            Provider(base_url) as provider,
        ):
            follower = provider.follow_revocations(
                client_id=receiver["client_id"], client_secret=receiver["client_secret"]
            )
            if not follower.wait_until_current(TIMEOUT):
                raise RuntimeError("the SDK did not become current")
            delays = []
            for _ in range(count):
                token = http.post("/token", data={"grant_type": "client_credentials"}).json()[
                    "access_token"
                ]
                provider.validate_access_token(token, audience=base_url)
                http.post("/revoke", data={"token": token}).raise_for_status()
                revoked_at = time.monotonic()
                delays.append(refused_after(provider, token, base_url) - revoked_at)
    return sorted(delays)


def refused_after(provider: Provider, token: str, audience: str) -> float:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            provider.validate_access_token(token, audience=audience)
        except RevokedToken:
            return time.monotonic()
        time.sleep(0.0002)
    raise RuntimeError("a revocation was never seen")


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(len(values) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--revocations", type=int, default=200)
    args = parser.parse_args()

    keys = Keys()
    revocations = Revocations(keys)
    print("| access token | SDK tokens/s | bare `jwt.decode` tokens/s | SDK / bare (x) |")
    print("|---|---:|---:|---:|")
    with following_sdk(keys, revocations) as provider:
        for alg in ("ES256", "RS256"):
            sdk, bare = throughput(provider, keys, revocations, alg, args.tokens, args.rounds)
            print(f"| {alg} | {sdk:,.0f} | {bare:,.0f} | {sdk / bare:.2f} |")
    list_bytes, session_bytes = revocation_state_bytes(revocations)
    print()
    print("| revocation state | bytes held (tracemalloc) |")
    print("|---|---:|")
    print(f"| status list, {LIST_SIZE:,} tokens, {REVOKED_SHARE:.0%} revoked | {list_bytes:,} |")
    print(f"| {SESSIONS:,} revoked sessions | {session_bytes:,} |")
    total = list_bytes + session_bytes
    print(f"| total | {total:,} ({total / 2**20:.2f} MiB) |")
    delays = latencies(args.revocations)
    print()
    print("| revocation at the IdP → refused by a subscribed SDK | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|")
    print(
        f"| {len(delays)} RFC 7009 revocations, one node, SSE | "
        f"{statistics.median(delays) * 1000:.1f} | {percentile(delays, 0.99) * 1000:.1f} | "
        f"{delays[-1] * 1000:.1f} |"
    )


if __name__ == "__main__":
    main()
