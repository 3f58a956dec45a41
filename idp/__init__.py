"""Tessera: a single-sign-on identity provider (OpenID Connect, OAuth 2.0)."""

__version__ = "0.1.0"
