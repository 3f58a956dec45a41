"""The size of a full status list and the time to build and sign it, in process on
PostgreSQL:

    .venv/bin/python -m tests.benchmarks.status_list [--tokens 1000000] [--revoked 0.01]

Hands out ``--tokens`` indexes (one list of IDP_STATUS_LIST_SIZE, 1,048,576 by
default) through the node's allocator, records them as its refresher does, revokes a
random ``--revoked`` share of those tokens by jti (revocation records, as RFC 7009
writes them), then builds the Status List Token the way GET /statuslists/{id} does
(reading the entries, deriving each status, compressing, signing), from cold. Prints
the compressed size (the information-theoretic floor for a 1 % share of 1,000,000
two-bit entries is about 10 KB) and the times.
"""

from __future__ import annotations

import argparse
import math
import random
import tempfile
import time
from pathlib import Path

from idp.config import Settings
from idp.keys.rotation import ensure_signing_keys
from idp.provider import Provider
from idp.revocation.records import RevocationKind, RevocationRecord
from idp.revocation.status_indexes import NoStatusIndexError
from idp.revocation.status_list import decode
from idp.store.migrate import upgrade
from tests.support.databases import postgres_database


def fill(provider: Provider, tokens: int) -> list[tuple[str, int]]:
    """(jti, idx) of ``tokens`` access tokens' indexes, recorded."""
    now = provider.clock.now()
    indexes = provider.status_indexes
    handed_out = []
    while len(handed_out) < tokens:
        indexes.flush()  # leases ahead, as the refresher does
        try:
            for _ in range(tokens - len(handed_out)):
                jti = f"jti-{len(handed_out)}"
                _, idx = indexes.allocate(
                    jti=jti,
                    sid=None,
                    subject="service",
                    client_id="service",
                    issued_at=now,
                    expires_at=now + 600,
                )
                handed_out.append((jti, idx))
        except NoStatusIndexError:  # the leased blocks ran out: flush and lease more
            continue
    indexes.flush()
    return handed_out


def revoke(provider: Provider, jtis: list[str]) -> None:
    now = provider.clock.now()
    with provider.store() as store:
        for jti in jtis:
            record = RevocationRecord(RevocationKind.JTI, jti, now, now + 600)
            store.add_revocation(record, reason="bench", actor="operator")
            store.after_commit(lambda record=record: provider.revocations.remember(record))


def build(provider: Provider) -> tuple[float, str]:
    started = time.perf_counter()
    published = provider.status_lists.published(1, provider.clock.now())
    assert published is not None
    return time.perf_counter() - started, published.lst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--revoked", type=float, default=0.01)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, postgres_database() as url:
        upgrade(url)
        settings = Settings(database_url=url, secret_key_file=Path(tmp) / "secret.key")
        provider = Provider.from_settings(settings)
        with provider.store() as store:
            ensure_signing_keys(store, provider.key_encryption_key, provider.clock.now())
        provider.refresh_caches()
        provider.refresh_keys()
        started = time.perf_counter()
        handed_out = fill(provider, args.tokens)
        filled = time.perf_counter() - started
        revoked = random.sample(handed_out, int(len(handed_out) * args.revoked))
        revoke(provider, [jti for jti, _ in revoked])
        cold, lst = build(provider)
        statuses = decode(lst, settings.status_list_size)
        assert all(statuses[idx] == 1 for _, idx in revoked)
        assert sum(1 for status in statuses if status) == len(revoked)
        provider.database.dispose()
    compressed = math.ceil(len(lst) * 3 / 4)
    share = len(revoked) / settings.status_list_size
    floor = settings.status_list_size * _entropy(share) / 8  # bytes
    print(
        "| tokens | revoked | compressed bytes | lst (base64url) chars | floor, bytes |"
        " recording, s | build and sign, cold, s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {len(handed_out):,} | {len(revoked):,} | {compressed:,} | {len(lst):,} | "
        f"{floor:,.0f} | {filled:.1f} | {cold:.2f} |"
    )


def _entropy(p: float) -> float:
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p)) if 0 < p < 1 else 0.0


if __name__ == "__main__":
    main()
