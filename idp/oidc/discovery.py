"""Provider metadata (OIDC Discovery 1.0 §3, RFC 8414 §2). Everything listed here is
implemented; a test walks each entry."""

from __future__ import annotations

from typing import Any

from idp.authn.methods import ACR_VALUES_SUPPORTED
from idp.authz.claims import DEFAULT_CLAIMS, TRUNCATED_CLAIM
from idp.keys.signing import Algorithm
from idp.oauth.authorization import SUPPORTED_PROMPTS
from idp.oauth.client_auth import ASSERTION_ALGORITHMS
from idp.oauth.clients import AuthMethod, GrantType
from idp.scope import SCOPE_CLAIMS, USER_SCOPES

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
    authenticated_methods = [method.value for method in AuthMethod if method is not AuthMethod.NONE]
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks",
        "introspection_endpoint": f"{issuer}/introspect",
        "revocation_endpoint": f"{issuer}/revoke",
        "device_authorization_endpoint": f"{issuer}/device_authorization",
        "pushed_authorization_request_endpoint": f"{issuer}/par",
        "require_pushed_authorization_requests": False,
        "scopes_supported": sorted(USER_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": [grant.value for grant in GrantType],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [alg.value for alg in Algorithm],
        "token_endpoint_auth_methods_supported": [method.value for method in AuthMethod],
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "introspection_endpoint_auth_methods_supported": authenticated_methods,
        "introspection_signing_alg_values_supported": ["RS256"],  # RFC 9701 §7
        "revocation_endpoint_auth_methods_supported": [method.value for method in AuthMethod],
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": sorted(SUPPORTED_PROMPTS),
        # With the authz claims under their default names (idp.authz.claims; a client's
        # mapping may rename them and add attributes).
        "claims_supported": list(ID_TOKEN_CLAIMS)
        + profile_claims
        + list(DEFAULT_CLAIMS.values())
        + [TRUNCATED_CLAIM],
        "acr_values_supported": list(ACR_VALUES_SUPPORTED),
        "claims_parameter_supported": True,  # OIDC Core §5.5; see idp.oauth.claims_request
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        "end_session_endpoint": f"{issuer}/logout",  # RP-Initiated Logout 1.0 §2.1
        # Front-Channel Logout 1.0 §3, Back-Channel Logout 1.0 §2.1: iss and sid are
        # always sent.
        "frontchannel_logout_supported": True,
        "frontchannel_logout_session_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        # draft-ietf-oauth-status-list-20 §9.1, §14.6
        "status_list_aggregation_endpoint": f"{issuer}/statuslists",
    }
