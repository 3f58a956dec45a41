"""Requests to the provider's token endpoint (RFC 6749 §3.2), and how their answers
are read: a successful response strictly (§5.1), an error response (§5.2) as
``TokenRequestFailed``, anything else (the provider down, an HTTP 5xx, garbage) as
``ProviderUnavailable``.

Neither the client secret nor a token is ever put in a message."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from idp.rp.caching import CachedDocument
from idp.rp.discovery import ProviderMetadata
from idp.rp.errors import ProviderUnavailable, TokenRequestFailed
from idp.rp.flow import Flow, HttpRequest, HttpResponse, basic_authorization
from idp.rp.strict_json import InvalidJson, loads_object

MAX_TOKEN_RESPONSE = 64 * 1024  # bytes
VSCHAR = re.compile(r"[\x20-\x7e]+")  # RFC 6749 Appendix A.12, A.17: access_token, refresh_token
ERROR_CODE = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]+")  # RFC 6749 Appendix A.7, A.8
MAX_DESCRIPTION = 200  # characters of error_description kept


class ClientAuthentication:
    """How a client authenticates at the token endpoint: a confidential client with
    HTTP Basic (client_secret_basic, §2.3.1), a public one (no secret) by its
    ``client_id`` in the form (§3.2.1). Its repr shows the id alone."""

    def __init__(self, client_id: str, client_secret: str | None) -> None:
        if not client_id or client_secret == "":
            raise ValueError("a client_id, and a client_secret unless the client is public")
        self.client_id = client_id
        self._authorization = (
            basic_authorization(client_id, client_secret) if client_secret is not None else None
        )

    def authenticated(self, form: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
        """The headers and the form of a token request."""
        headers = {"Accept": "application/json"}
        if self._authorization is None:
            return headers, {**form, "client_id": self.client_id}
        return headers | {"Authorization": self._authorization}, dict(form)

    def __repr__(self) -> str:
        return f"ClientAuthentication(client_id={self.client_id!r})"


def scope_parameter(scope: str | Iterable[str]) -> str:
    """RFC 6749 §3.3: space-delimited; a list is joined."""
    return scope if isinstance(scope, str) else " ".join(scope)


def post_token_request(
    metadata: CachedDocument[ProviderMetadata],
    client: ClientAuthentication,
    form: Mapping[str, str],
    purpose: str,
) -> Flow[dict[str, Any]]:
    """POST ``form`` to the token endpoint discovery names; the §5.1 response as a JSON
    object, its members not yet checked."""
    endpoint = (yield from metadata.current()).token_endpoint
    if endpoint is None:
        raise ProviderUnavailable("the discovery document names no token endpoint")
    headers, authenticated_form = client.authenticated(form)
    request = HttpRequest(
        endpoint,
        purpose,
        method="POST",
        headers=headers,
        form=authenticated_form,
        max_bytes=MAX_TOKEN_RESPONSE,
    )
    return read_token_response((yield request), purpose)


def read_token_response(response: HttpResponse, purpose: str) -> dict[str, Any]:
    if response.status == 200:  # RFC 6749 §5.1
        return _json_object(response, purpose)
    if response.status in (400, 401):  # RFC 6749 §5.2: 400, or 401 for invalid_client
        raise _refusal(_json_object(response, purpose), purpose)
    raise ProviderUnavailable(f"the {purpose}: HTTP {response.status}")


def _json_object(response: HttpResponse, purpose: str) -> dict[str, Any]:
    try:
        return loads_object(response.body)
    except InvalidJson as exc:
        raise ProviderUnavailable(f"the {purpose}: {exc}") from None


def _refusal(answer: dict[str, Any], purpose: str) -> TokenRequestFailed:
    """RFC 6749 §5.2: ``error`` required, ``error_description`` optional."""
    error, description = answer.get("error"), answer.get("error_description")
    if not isinstance(error, str) or not ERROR_CODE.fullmatch(error):
        raise ProviderUnavailable(f"the {purpose}: an error response without an error code")
    if not isinstance(description, str) or not ERROR_CODE.fullmatch(description):
        description = None
    return TokenRequestFailed(error, description and description[:MAX_DESCRIPTION])


def access_token_of(answer: dict[str, Any], purpose: str) -> str:
    """RFC 6749 §5.1 ``access_token``, required."""
    token = answer.get("access_token")
    if not isinstance(token, str) or not VSCHAR.fullmatch(token):
        raise ProviderUnavailable(f"the {purpose}: no access_token")
    return token


def token_type_of(answer: dict[str, Any], purpose: str, allowed: tuple[str, ...]) -> str:
    """RFC 6749 §5.1 ``token_type``, required, case-insensitive (§7.1); one of
    ``allowed``, as ``allowed`` spells it."""
    token_type = answer.get("token_type")
    for name in allowed:
        if isinstance(token_type, str) and token_type.lower() == name.lower():
            return name
    raise ProviderUnavailable(f"the {purpose}: token_type is not {' or '.join(allowed)}")


def expires_in_of(answer: dict[str, Any], purpose: str) -> int | None:
    """RFC 6749 §5.1 ``expires_in``: a positive number of seconds, if present."""
    lifetime = answer.get("expires_in")
    if lifetime is None:
        return None
    if isinstance(lifetime, bool) or not isinstance(lifetime, int) or lifetime <= 0:
        raise ProviderUnavailable(f"the {purpose}: expires_in is not a positive integer")
    return lifetime


def optional_string(answer: dict[str, Any], name: str, purpose: str) -> str | None:
    value = answer.get(name)
    if value is not None and (not isinstance(value, str) or not VSCHAR.fullmatch(value)):
        raise ProviderUnavailable(f"the {purpose}: {name} is not a string")
    return value
