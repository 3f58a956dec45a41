"""ID tokens (OIDC Core §2, §3.1.3.6)."""

from __future__ import annotations

from typing import Any

from authlib.oidc.core.util import create_half_hash

from idp.keys.jws import JwtSigner
from idp.keys.signing import Algorithm
from idp.oauth.tokens import Grant


def issue_id_token(
    signer: JwtSigner,
    grant: Grant,
    *,
    issuer: str,
    alg: Algorithm,
    nonce: str | None,
    access_token: str,
    now: int,
    lifetime: int,
) -> str:
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": grant.subject,
        "aud": grant.client_id,
        "azp": grant.client_id,
        "iat": now,
        "exp": now + lifetime,
        "auth_time": grant.auth_time,
        "sid": grant.sid,
        "acr": grant.acr,
        "amr": list(grant.amr),
        # OIDC Core §3.1.3.6: left half of the hash of the access token, alg's hash.
        "at_hash": create_half_hash(access_token, alg.value).decode(),
    }
    if nonce is not None:
        claims["nonce"] = nonce  # OIDC Core §3.1.3.7 step 11
    return signer.sign(claims, alg)
