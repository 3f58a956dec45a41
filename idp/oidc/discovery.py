"""Provider metadata (OIDC Discovery 1.0 §3, RFC 8414 §2). Everything listed here is
implemented; a test walks each entry."""

from __future__ import annotations

from typing import Any

from idp.authn.users import SCOPE_CLAIMS
from idp.keys.signing import Algorithm
from idp.oauth.authorization import SUPPORTED_PROMPTS, SUPPORTED_SCOPES
from idp.oauth.client_auth import ASSERTION_ALGORITHMS
from idp.oauth.clients import AuthMethod

ID_TOKEN_CLAIMS = (
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "sid",
    "at_hash",
)


def provider_metadata(issuer: str) -> dict[str, Any]:
    profile_claims = [claim for claims in SCOPE_CLAIMS.values() for claim in claims]
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks",
        "scopes_supported": sorted(SUPPORTED_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [alg.value for alg in Algorithm],
        "token_endpoint_auth_methods_supported": [method.value for method in AuthMethod],
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": sorted(SUPPORTED_PROMPTS),
        "claims_supported": list(ID_TOKEN_CLAIMS) + profile_claims,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
    }
