"""Decision API throughput over HTTP: AuthZEN evaluations per second and their latency.

Starts Tessera (`idp serve --workers N`, PostgreSQL), publishes the document
application's policies (tests/support/authzen.py, through the policy store) over a user
in a group that holds a role, registers a PEP client with ``access.evaluate`` and
drives the decision API with wrk from another process on the same machine::

    .venv/bin/python -m tests.benchmarks.decision_api [--workers 2] [--connections 32]
        [--duration 10] [--threads 2] [--batch 10 --batch 100]

Scenarios: one ``POST /access/v1/evaluation`` per request, and ``POST
/access/v1/evaluations`` with ``--batch`` items (one subject and action as defaults,
a distinct document each, ``execute_all``). Every request is a real decision: the
PEP's token verified (from the workers' verified-token cache after the first), the body
parsed and bounded, the user read from the database (one read-only transaction a
request: whether it exists, its groups and roles, its attributes), Cedar called per
item. Before each run one request is sent and checked to be allowed (all of a batch's
items); wrk counts any answer that is not a 200. Each scenario gets a 3 s warm-up
first. Prints requests/s, evaluations/s and p50/p99 latency as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

from idp.authz.authzen import ACCESS_EVALUATE
from idp.authz.management import Authz
from idp.authz.policies import PolicySource
from idp.authz.policy_store import publish
from idp.config import Settings
from idp.provider import Provider
from tests.benchmarks.bench import (
    ACCESS_TOKEN_TTL,
    DONE_SCRIPT,
    IDP,
    Result,
    Scenario,
    measure,
    run_idp,
    serving,
)
from tests.support.authzen import POLICIES, a_document
from tests.support.cedar_apps import DOCUMENTS, USER_ATTRIBUTES
from tests.support.databases import postgres_database
from tests.support.server import free_port

PASSWORD = "bench-passphrase-q7f3k9x2m4"
# A Lua long string holds the JSON as it is; the request's headers come before it.
BODY_SCRIPT = "wrk.body = [==[{body}]==]\n"


def prepare(env: dict[str, str]) -> tuple[str, str]:
    """The policies published over an editor; the PEP client. Its id and secret, and the
    editor's user id."""
    run_idp(env, "db", "upgrade")
    client = json.loads(
        run_idp(
            env, "clients", "create", "--name", "bench PEP", "--grant", "client_credentials",
            "--scope", ACCESS_EVALUATE, "--access-token-ttl", str(ACCESS_TOKEN_TTL), "--json",
        )
    )  # fmt: skip
    run_idp(env, "users", "create", "editor", "--password-stdin", stdin=PASSWORD)
    settings = Settings(
        issuer=env["IDP_ISSUER"],
        database_url=env["IDP_DATABASE_URL"],
        secret_key_file=env["IDP_SECRET_KEY_FILE"],
    )
    provider = Provider.from_settings(settings)
    with provider.store() as store:
        editor = store.load_user_by_username("editor")
        assert editor is not None
        authz = Authz(store, provider.clock.now())
        authz.create_role("editor")
        authz.create_group("writers")
        authz.add_group_role("writers", "editor")
        authz.add_member("writers", editor.id)
        authz.set_attribute(editor.id, "clearance", 2)
        sources = [PolicySource(pid, text) for pid, text in POLICIES.items()]
        now = provider.clock.now()
        publish(store, DOCUMENTS, sources, "bench", None, now, user_attributes=USER_ATTRIBUTES)
    return f"{client['client_id']}:{client['client_secret']}", editor.id


def pep_token(base_url: str, credentials: str) -> str:
    client_id, secret = credentials.split(":", 1)
    response = httpx.post(
        f"{base_url}/token",
        data={"grant_type": "client_credentials", "scope": ACCESS_EVALUATE},
        auth=(client_id, secret),
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def single(user_id: str) -> dict[str, object]:
    return {
        "subject": {"type": "user", "id": user_id},
        "action": {"name": "edit"},
        "resource": a_document("d0"),
    }


def batch(user_id: str, size: int) -> dict[str, object]:
    return {
        "subject": {"type": "user", "id": user_id},
        "action": {"name": "edit"},
        "options": {"evaluations_semantic": "execute_all"},
        "evaluations": [{"resource": a_document(f"d{n}")} for n in range(size)],
    }


def check_allowed(base_url: str, path: str, token: str, body: dict[str, object]) -> None:
    """One request, every decision in it an allow (the policies are in force)."""
    deadline = time.monotonic() + 30
    while True:
        response = httpx.post(
            base_url + path, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        response.raise_for_status()
        answer = response.json()
        decisions = [item["decision"] for item in answer.get("evaluations", [answer])]
        if all(decisions):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"not allowed: {response.text}")
        time.sleep(0.2)  # the node's decision point moves to the published version


def scenario(name: str, path: str, token: str, body: dict[str, object]) -> Scenario:
    headers = (("Content-Type", "application/json"), ("Authorization", f"Bearer {token}"))
    script = BODY_SCRIPT.format(body=json.dumps(body, separators=(",", ":")))
    return Scenario(name, path, "POST", headers=headers, script=script + DONE_SCRIPT)


def run(args: argparse.Namespace) -> list[tuple[Result, int]]:
    with ExitStack() as stack:
        port = free_port()
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        env = {
            **os.environ,
            "BENCH_IDP": IDP,
            "IDP_DATABASE_URL": stack.enter_context(postgres_database()),
            "IDP_SECRET_KEY_FILE": str(workdir / "secret.key"),
            "IDP_ISSUER": f"http://127.0.0.1:{port}",
        }
        credentials, user_id = prepare(env)
        base_url = stack.enter_context(serving(env, port, args.workers))
        token = pep_token(base_url, credentials)
        runs = [("single evaluation", "/access/v1/evaluation", single(user_id), 1)]
        runs += [
            (f"batch of {size}", "/access/v1/evaluations", batch(user_id, size), size)
            for size in args.batch
        ]
        results = []
        for name, path, body, size in runs:
            check_allowed(base_url, path, token, body)
            measured = measure(base_url, scenario(name, path, token, body), args, workdir)
            results.append((measured, size))
        return results


def print_table(results: list[tuple[Result, int]], args: argparse.Namespace) -> None:
    print(
        f"workers={args.workers} wrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print("| scenario | requests/s | evaluations/s | p50 ms | p99 ms | non-2xx |")
    print("|---|---:|---:|---:|---:|---:|")
    for result, size in results:
        print(
            f"| {result.scenario} | {result.requests_per_second:,.0f} | "
            f"{result.requests_per_second * size:,.0f} | {result.p50_ms:.2f} | "
            f"{result.p99_ms:.2f} | {result.errors} |"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, action="append", default=None)
    args = parser.parse_args()
    args.batch = args.batch or [10, 100]
    return args


def main() -> None:
    args = parse_args()
    print_table(run(args), args)


if __name__ == "__main__":
    main()
