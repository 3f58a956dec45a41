"""Reading a token's status as a relying party does (draft-ietf-oauth-status-list-20
§8.3): fetch the list its ``status`` claim names, check the Status List Token, decode."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt

from idp.revocation.status_list import Status, decode
from tests.support.assertions import claims_of, verify_jwt
from tests.support.server import RunningIdp


def status_reference(access_token: str) -> tuple[str, int]:
    reference = claims_of(access_token)["status"]["status_list"]
    return reference["uri"], reference["idx"]


def fetch_status_list(idp: RunningIdp, uri: str, **headers: str) -> httpx.Response:
    """The list ``uri`` names, from ``idp`` (which may be a node whose own address is
    not the URI's: a restarted server)."""
    path = urlsplit(uri).path
    assert path.startswith("/statuslists/")
    return httpx.get(idp.base_url + path, headers=headers, timeout=30)


def status_list_claims(idp: RunningIdp, response: httpx.Response, uri: str) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    token = response.text
    assert jwt.get_unverified_header(token)["typ"] == "statuslist+jwt"  # §5.1
    claims = verify_jwt(idp, token, algorithm="ES256")
    assert claims["sub"] == idp.issuer + urlsplit(uri).path  # §8.3 step 3: its own URI
    return claims


def status_of(idp: RunningIdp, access_token: str) -> Status:
    uri, idx = status_reference(access_token)
    claims = status_list_claims(idp, fetch_status_list(idp, uri), uri)
    status_list = claims["status_list"]
    assert status_list["bits"] == 2
    statuses = decode(status_list["lst"], idx + 1)
    return statuses[idx]
