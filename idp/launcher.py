"""The ``idp`` command: the CLI, or what to install when the server is not installed
(the base install is the relying-party SDK alone)."""

from __future__ import annotations

import sys

SERVER_EXTRA = "tessera-idp[server]"


def main() -> None:
    try:
        from idp.cli import app
    except ModuleNotFoundError as missing:
        if missing.name is None or missing.name.partition(".")[0] == "idp":
            raise  # ours: a bug, not an install without the server
        sys.exit(
            f"idp: the identity provider is not installed ({missing.name} is missing): "
            f"pip install '{SERVER_EXTRA}'"
        )
    app()
