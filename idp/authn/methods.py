"""Authentication methods and what they assert: ``amr`` values (RFC 8176 §2) and the
authentication context class (``acr``, OIDC Core §2) a method reaches on its own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AuthenticationMethod:
    name: str
    amr: tuple[str, ...]
    acr: str


PASSWORD = AuthenticationMethod("password", amr=("pwd",), acr="urn:tessera:acr:password")
