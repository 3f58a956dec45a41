"""tests/support/flows.py against an ``idp serve`` process (tests/cli/processes.py).

``administered`` is what an administrator's tools have: a Provider in this process on
the served IdP's database and instance secret. Wrapped as a ``RunningIdp`` whose
``base_url`` is the served process's, it lets ``create_user``, ``register``,
``Browser``, ``code_flow`` and ``redeem`` work against `idp serve` as they do against
``running_idp``. It only writes through its store, as `idp clients create` and `idp
users create` do; the served process learns of new clients as every node does, from
the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from idp.config import Settings
from idp.provider import Provider
from idp.store.migrate import upgrade
from tests.support.clock import MovableClock
from tests.support.server import RunningIdp


@contextmanager
def administered(database_url: str, directory: Path, base_url: str = "") -> Iterator[RunningIdp]:
    """The database brought to the newest schema, and a Provider on it that shares the
    instance secret in ``directory`` (``secret.key``, as tests/cli/processes.py's
    ``idp_env`` names it) and the issuer of the process served at ``base_url``."""
    upgrade(database_url)
    issuer = {"issuer": base_url} if base_url else {}
    settings = Settings(
        database_url=database_url, secret_key_file=directory / "secret.key", **issuer
    )
    provider = Provider.from_settings(settings)
    try:
        yield RunningIdp(base_url, provider, MovableClock())
    finally:
        provider.database.dispose()
