"""The provider's metadata (OpenID Connect Discovery 1.0 §3, §4), and which URLs the
SDK is willing to talk to."""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from idp.rp.errors import ProviderUnavailable
from idp.rp.flow import HttpRequest
from idp.rp.keys import ALGORITHMS
from idp.rp.strict_json import InvalidJson, loads_object

WELL_KNOWN = "/.well-known/openid-configuration"  # Discovery §4


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    issuer: str
    jwks_uri: str
    # Discovery §3 id_token_signing_alg_values_supported, asymmetric ones only (and of
    # those the caller allows): the allow-list for every token the provider signs.
    algorithms: frozenset[str]
    token_endpoint: str | None
    status_list_aggregation_endpoint: str | None  # draft-ietf-oauth-status-list-20 §9.1
    authorization_endpoint: str | None = None
    end_session_endpoint: str | None = None  # RP-Initiated Logout 1.0 §2.1
    userinfo_endpoint: str | None = None  # OIDC Core §5.3


def check_issuer_url(issuer: str) -> str:
    """Discovery §2 and RFC 8414 §2: https, no query or fragment (http only on a
    loopback host, for development)."""
    if not is_safe_url(issuer) or urlsplit(issuer).query or "#" in issuer:
        raise ValueError("the issuer must be an https URL without query or fragment")
    return issuer


def is_safe_url(url: object) -> bool:
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    if not parts.hostname or parts.username is not None:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(parts.hostname))


def same_origin(url: str, issuer: str) -> bool:
    first, second = urlsplit(url), urlsplit(issuer)
    return (first.scheme, first.netloc) == (second.scheme, second.netloc)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def discovery_request(issuer: str) -> HttpRequest:
    """Discovery §4.1: the issuer without its trailing slash, then the well-known path."""
    return HttpRequest(issuer.rstrip("/") + WELL_KNOWN, "discovery document")


def parse_metadata(body: bytes, issuer: str, allowed: Collection[str] | None) -> ProviderMetadata:
    try:
        document = loads_object(body)
    except InvalidJson as exc:
        raise ProviderUnavailable(f"the provider's discovery document: {exc}") from None
    if document.get("issuer") != issuer:  # Discovery §4.3: exactly the issuer asked
        raise ProviderUnavailable("the discovery document names another issuer")
    jwks_uri = document.get("jwks_uri")
    if not isinstance(jwks_uri, str) or not is_safe_url(jwks_uri):
        raise ProviderUnavailable("the discovery document has no https jwks_uri")
    advertised = document.get("id_token_signing_alg_values_supported")
    if not isinstance(advertised, list):
        raise ProviderUnavailable("the discovery document lists no signing algorithms")
    algorithms = frozenset(alg for alg in advertised if alg in ALGORITHMS)
    return ProviderMetadata(
        issuer=issuer,
        jwks_uri=jwks_uri,
        algorithms=algorithms & frozenset(allowed) if allowed is not None else algorithms,
        token_endpoint=_optional_url(document, "token_endpoint"),
        status_list_aggregation_endpoint=_optional_url(
            document, "status_list_aggregation_endpoint"
        ),
        authorization_endpoint=_optional_url(document, "authorization_endpoint"),
        end_session_endpoint=_optional_url(document, "end_session_endpoint"),
        userinfo_endpoint=_optional_url(document, "userinfo_endpoint"),
    )


def _optional_url(document: dict[str, Any], name: str) -> str | None:
    value = document.get(name)
    return value if isinstance(value, str) and is_safe_url(value) else None
