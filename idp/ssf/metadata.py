"""Transmitter metadata (OpenID Shared Signals Framework 1.0 §7.1)."""

from __future__ import annotations

from typing import Any

from idp.ssf.model import DeliveryMethod

SSF_MANAGE = "ssf.manage"  # stream management
SSF_READ = "ssf.read"  # reading streams and receiving their events


def transmitter_metadata(issuer: str) -> dict[str, Any]:
    return {
        "spec_version": "1_0",
        "issuer": issuer,
        "jwks_uri": f"{issuer}/jwks",
        "delivery_methods_supported": [method.value for method in DeliveryMethod],
        "configuration_endpoint": f"{issuer}/ssf/streams",
        "status_endpoint": f"{issuer}/ssf/status",
        "verification_endpoint": f"{issuer}/ssf/verify",
        # Client-credentials access tokens (RFC 6749) with SSF_MANAGE or SSF_READ.
        "authorization_schemes": [{"spec_urn": "urn:ietf:rfc:6749"}],
        "default_subjects": "ALL",
    }
