"""Key material: generate ES256/RS256 keys, their public JWKs and RFC 7638 thumbprints,
and seal private keys for storage (AES-256-GCM, the ``kid`` as associated data)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


class Algorithm(StrEnum):
    ES256 = "ES256"
    RS256 = "RS256"


@dataclass(frozen=True)
class StoredKey:
    """A signing key as storage keeps it; times are epoch seconds."""

    kid: str
    alg: Algorithm
    sealed_private_key: bytes
    public_jwk: dict[str, Any]
    created_at: int
    activates_at: int
    expires_at: int | None = None


def generate_private_key(alg: Algorithm) -> PrivateKey:
    if alg is Algorithm.ES256:
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=3072)


def public_jwk(key: PrivateKey, alg: Algorithm) -> dict[str, Any]:
    public = key.public_key()
    if isinstance(public, ec.EllipticCurvePublicKey):
        jwk: dict[str, Any] = ECAlgorithm.to_jwk(public, as_dict=True)
    else:
        jwk = RSAAlgorithm.to_jwk(public, as_dict=True)
    jwk.pop("key_ops", None)
    jwk["kid"] = thumbprint(jwk)
    jwk["alg"] = alg.value
    jwk["use"] = "sig"
    return jwk


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 §3: SHA-256 over the required members in lexicographic order."""
    required = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}[jwk["kty"]]
    canonical = json.dumps({name: jwk[name] for name in required}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def seal_private_key(key: PrivateKey, kid: str, encryption_key: bytes) -> bytes:
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    nonce = os.urandom(12)
    return nonce + AESGCM(encryption_key).encrypt(nonce, der, kid.encode())


def unseal_private_key(sealed: bytes, kid: str, encryption_key: bytes) -> PrivateKey:
    der = AESGCM(encryption_key).decrypt(sealed[:12], sealed[12:], kid.encode())
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValueError(f"key {kid} is of an unsupported type")
    return key


def new_stored_key(alg: Algorithm, encryption_key: bytes, now: int, activates_at: int) -> StoredKey:
    key = generate_private_key(alg)
    jwk = public_jwk(key, alg)
    return StoredKey(
        kid=jwk["kid"],
        alg=alg,
        sealed_private_key=seal_private_key(key, jwk["kid"], encryption_key),
        public_jwk=jwk,
        created_at=now,
        activates_at=activates_at,
    )
