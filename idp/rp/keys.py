"""Verification keys: the asymmetric JWS algorithms (RFC 7518 §3, RFC 8037 §3.1), and
a JWKS (RFC 7517 §5) read into cryptography key objects once, skipping what is not a
usable public signature key."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from jwt.exceptions import PyJWTError

from idp.rp.errors import ProviderUnavailable
from idp.rp.strict_json import InvalidJson, loads_object

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey
Verify = Callable[[Any, bytes, bytes], bool]  # (public key, signature, signing input)

log = logging.getLogger("idp.rp")

MIN_RSA_BITS = 2048  # RFC 7518 §3.3
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})  # RFC 7518 §6
MAX_KEYS = 100


@dataclass(frozen=True, slots=True)
class JwsAlgorithm:
    name: str
    kty: str
    curve: str | None  # the curve a key must be on (EC, OKP)
    hash: hashes.HashAlgorithm  # also the hash of at_hash (OIDC Core §3.1.3.6)
    verify: Verify


def _ecdsa(hash_: hashes.HashAlgorithm, size: int) -> Verify:
    """RFC 7518 §3.4: the signature is R || S, each ``size`` bytes; cryptography takes
    DER."""
    scheme = ec.ECDSA(hash_)

    def verify(key: ec.EllipticCurvePublicKey, signature: bytes, data: bytes) -> bool:
        if len(signature) != 2 * size:
            return False
        r = int.from_bytes(signature[:size], "big")
        s = int.from_bytes(signature[size:], "big")
        try:
            key.verify(encode_dss_signature(r, s), data, scheme)
        except InvalidSignature:
            return False
        return True

    return verify


def _rsa(hash_: hashes.HashAlgorithm, scheme: padding.AsymmetricPadding) -> Verify:
    def verify(key: rsa.RSAPublicKey, signature: bytes, data: bytes) -> bool:
        if len(signature) != (key.key_size + 7) // 8:
            return False
        try:
            key.verify(signature, data, scheme, hash_)
        except InvalidSignature:
            return False
        return True

    return verify


def _pss(hash_: hashes.HashAlgorithm) -> padding.PSS:
    """RFC 7518 §3.5: MGF1 with the same hash, a salt as long as the hash."""
    return padding.PSS(mgf=padding.MGF1(hash_), salt_length=hash_.digest_size)


def _eddsa(key: ed25519.Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


SHA256, SHA384, SHA512 = hashes.SHA256(), hashes.SHA384(), hashes.SHA512()
ALGORITHMS: Mapping[str, JwsAlgorithm] = {
    algorithm.name: algorithm
    for algorithm in (
        JwsAlgorithm("ES256", "EC", "P-256", SHA256, _ecdsa(SHA256, 32)),
        JwsAlgorithm("ES384", "EC", "P-384", SHA384, _ecdsa(SHA384, 48)),
        JwsAlgorithm("ES512", "EC", "P-521", SHA512, _ecdsa(SHA512, 66)),
        JwsAlgorithm("RS256", "RSA", None, SHA256, _rsa(SHA256, padding.PKCS1v15())),
        JwsAlgorithm("RS384", "RSA", None, SHA384, _rsa(SHA384, padding.PKCS1v15())),
        JwsAlgorithm("RS512", "RSA", None, SHA512, _rsa(SHA512, padding.PKCS1v15())),
        JwsAlgorithm("PS256", "RSA", None, SHA256, _rsa(SHA256, _pss(SHA256))),
        JwsAlgorithm("PS384", "RSA", None, SHA384, _rsa(SHA384, _pss(SHA384))),
        JwsAlgorithm("PS512", "RSA", None, SHA512, _rsa(SHA512, _pss(SHA512))),
        # OIDC Core §3.1.3.6 names no hash for EdDSA; Ed25519's own is SHA-512.
        JwsAlgorithm("EdDSA", "OKP", "Ed25519", SHA512, _eddsa),
    )
}


@dataclass(frozen=True, slots=True)
class VerificationKey:
    kid: str
    kty: str
    curve: str | None
    alg: str | None  # the JWK's own "alg", which the token's must then be
    public_key: PublicKey

    def fits(self, algorithm: JwsAlgorithm) -> bool:
        """RFC 7517 §4.4 and RFC 8725 §3.1: a key serves one algorithm family."""
        return (
            self.kty == algorithm.kty
            and self.curve == algorithm.curve
            and self.alg in (None, algorithm.name)
        )


KeySet = Mapping[str, VerificationKey]


def parse_jwks(body: bytes) -> KeySet:
    """RFC 7517 §5: the usable keys by ``kid``. A key that cannot be read, is private,
    is not for signatures, or shares its ``kid`` with another, is left out (logged):
    one bad key does not take the good ones with it."""
    try:
        document = loads_object(body)
    except InvalidJson as exc:
        raise ProviderUnavailable(f"the provider's JWKS is not a JWK set ({exc})") from None
    members = document.get("keys")
    if not isinstance(members, list):
        raise ProviderUnavailable("the provider's JWKS has no keys array")
    keys: dict[str, VerificationKey] = {}
    ambiguous: set[str] = set()
    for member in members[:MAX_KEYS]:
        key = _read_key(member)
        if key is None:
            continue
        if key.kid in keys:
            ambiguous.add(key.kid)
        keys[key.kid] = key
    for kid in ambiguous:  # RFC 7517 §4.5: which one would a kid name?
        log.warning("JWKS keys sharing a kid are ignored")
        del keys[kid]
    return keys


def _read_key(member: object) -> VerificationKey | None:
    if not isinstance(member, dict) or not _is_public_signature_key(member):
        log.warning("a JWKS key is not a public signature key, ignored")
        return None
    kid, kty, alg = member["kid"], member["kty"], member.get("alg")
    try:
        public_key = _public_key(kty, member)
    except (PyJWTError, ValueError, TypeError, KeyError):
        public_key = None
    if public_key is None:
        log.warning("a JWKS key cannot be read, ignored")
        return None
    curve = member.get("crv") if kty in ("EC", "OKP") else None
    return VerificationKey(kid, kty, curve, alg, public_key)


def _is_public_signature_key(member: dict[str, Any]) -> bool:
    alg = member.get("alg")
    return (
        isinstance(member.get("kid"), str)
        and isinstance(member.get("kty"), str)
        and (alg is None or alg in ALGORITHMS)
        and member.get("use", "sig") == "sig"  # RFC 7517 §4.2
        and not PRIVATE_MEMBERS & member.keys()
    )


def _public_key(kty: str, member: dict[str, Any]) -> PublicKey | None:
    if kty == "EC":
        ec_key = ECAlgorithm.from_jwk(member)
        return ec_key if isinstance(ec_key, ec.EllipticCurvePublicKey) else None
    if kty == "RSA":
        rsa_key = RSAAlgorithm.from_jwk(member)
        if isinstance(rsa_key, rsa.RSAPublicKey) and rsa_key.key_size >= MIN_RSA_BITS:
            return rsa_key
        return None
    if kty == "OKP":
        okp_key = OKPAlgorithm.from_jwk(member)
        return okp_key if isinstance(okp_key, ed25519.Ed25519PublicKey) else None
    return None
