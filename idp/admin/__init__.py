"""Administration: registering clients and managing accounts (used by the CLI)."""
