"""RFC 7523 §3 client assertions: keys a client generates, the JWKS it registers and
the signed JWTs it sends as client_assertion."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import get_default_algorithms

from idp.oauth.clients import Client
from tests.support.client_requests import redeem
from tests.support.flows import register
from tests.support.server import RunningIdp

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _private_key(alg: str) -> Any:
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class ClientKey:
    """A client's signing key pair for ``alg`` (ES256, RS256, PS256 or EdDSA)."""

    alg: str
    kid: str = field(default_factory=lambda: uuid.uuid4().hex)
    private_key: Any = None

    def __post_init__(self) -> None:
        if self.private_key is None:
            object.__setattr__(self, "private_key", _private_key(self.alg))

    def public_jwk(self) -> dict[str, Any]:
        public = self.private_key.public_key()
        jwk: dict[str, Any] = get_default_algorithms()[self.alg].to_jwk(public, as_dict=True)
        return {**jwk, "kid": self.kid, "alg": self.alg, "use": "sig"}


def jwt_client(idp: RunningIdp, *keys: ClientKey) -> Client:
    """A private_key_jwt client that registered the public halves of ``keys``."""
    jwks = {"keys": [key.public_jwk() for key in keys]}
    client, _ = register(idp, auth_method="private_key_jwt", jwks=jwks)
    return client


def client_assertion(idp: RunningIdp, client: Client, key: ClientKey, **overrides: Any) -> str:
    """iss = sub = client_id, aud the token endpoint, 60 s to live, a fresh jti; an
    override of None leaves that claim out."""
    now = idp.clock.now()
    claims = {
        "iss": client.client_id,
        "sub": client.client_id,
        "aud": f"{idp.base_url}/token",
        "iat": now,
        "exp": now + 60,
        "jti": uuid.uuid4().hex,
        **overrides,
    }
    present = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(present, key.private_key, algorithm=key.alg, headers={"kid": key.kid})


def redeem_with_assertion(
    idp: RunningIdp, client: Client, code: str, verifier: str, assertion: str
) -> httpx.Response:
    return redeem(
        idp,
        client,
        code,
        verifier,
        client_assertion_type=JWT_BEARER,
        client_assertion=assertion,
    )
