"""Tokens made for the SDK to refuse: signed with the server's own keys (so only the
one thing a test changes is wrong), or put together by hand."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from idp.keys.signing import Algorithm
from tests.support.relying_party import ORDERS_API
from tests.support.server import RunningIdp


def b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def access_claims(idp: RunningIdp, **changes: Any) -> dict[str, Any]:
    """What an RFC 9068 access token for ORDERS_API carries; a None change leaves the
    claim out."""
    now = idp.clock.now()
    claims = {
        "iss": idp.issuer,
        "sub": "service-1",
        "aud": ORDERS_API,
        "client_id": "service-1",
        "scope": "orders:read",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 300,
        **changes,
    }
    return {name: value for name, value in claims.items() if value is not None}


def signed(
    idp: RunningIdp,
    claims: dict[str, Any],
    *,
    typ: str | None = "at+jwt",
    alg: Algorithm = Algorithm.ES256,
    **header: Any,
) -> str:
    """Signed by the server's active ``alg`` key, with its kid unless ``header`` says;
    ``typ=None``: without typ."""
    key = idp.provider.keyring.signing_key(alg)
    headers = {"kid": key.kid, "typ": typ, **header}  # PyJWT leaves a None typ out
    return jwt.encode(claims, key.private_key, algorithm=alg.value, headers=headers)


def signed_raw(
    idp: RunningIdp, header: bytes, payload: bytes, alg: Algorithm = Algorithm.ES256
) -> str:
    """``header`` and ``payload`` as given (duplicate members, say), truly signed."""
    key = idp.provider.keyring.signing_key(alg)
    signing_input = f"{b64(header)}.{b64(payload)}".encode()
    if isinstance(key.private_key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.private_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    else:
        signature = key.private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input.decode()}.{b64(signature)}"


def header_json(idp: RunningIdp, **members: Any) -> bytes:
    key = idp.provider.keyring.signing_key(Algorithm.ES256)
    return json.dumps({"alg": "ES256", "kid": key.kid, "typ": "at+jwt", **members}).encode()


def hand_made(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"sig") -> str:
    return f"{b64(json.dumps(header))}.{b64(json.dumps(claims))}.{b64(signature)}"
