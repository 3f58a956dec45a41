"""Pushed authorization requests (RFC 9126): the client posts its authorization request
to the server first and sends the browser with only a short-lived, single-use
``request_uri``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from idp.errors import InvalidRequestError, InvalidRequestUriError
from idp.oauth.authorization import validate_authorization_request
from idp.oauth.clients import Client
from idp.oauth.storage import ClientStore
from idp.secret import digest, new_token

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"  # RFC 9126 §2.2
REQUEST_URI_TTL = 60
CLIENT_AUTH_PARAMETERS = frozenset({"client_secret", "client_assertion", "client_assertion_type"})


class PushedRequestStore(Protocol):
    def save_pushed_request(
        self, uri_digest: str, client_id: str, parameters: dict[str, Any], expires_at: int
    ) -> None: ...

    def use_pushed_request(
        self, uri_digest: str, client_id: str, now: int
    ) -> dict[str, Any] | None:
        """The parameters, once, if the request is the client's and has not expired."""
        ...


def push_authorization_request(
    store: PushedRequestStore,
    clients: ClientStore,
    params: Mapping[str, str],
    client: Client,
    now: int,
) -> dict[str, Any]:
    """RFC 9126 §2.1-2.3: validate as the authorization endpoint would, then store."""
    if "request_uri" in params:
        raise InvalidRequestError("request_uri must not be pushed")
    if params.get("client_id", client.client_id) != client.client_id:
        raise InvalidRequestError("client_id does not match the authenticated client")
    request = {name: value for name, value in params.items() if name not in CLIENT_AUTH_PARAMETERS}
    request["client_id"] = client.client_id
    # RFC 9126 §2.3: errors go in the response, as JSON, never to the redirect URI.
    validate_authorization_request(request, clients, pushed=True, redirect_errors=False)
    request_uri = REQUEST_URI_PREFIX + new_token()
    store.save_pushed_request(digest(request_uri), client.client_id, request, now + REQUEST_URI_TTL)
    return {"request_uri": request_uri, "expires_in": REQUEST_URI_TTL}


def resolve_pushed_request(
    store: PushedRequestStore, params: Mapping[str, str], now: int
) -> dict[str, str]:
    """RFC 9126 §4: the pushed parameters replace the query; request_uri is single use."""
    request_uri, client_id = params.get("request_uri", ""), params.get("client_id")
    if not client_id:
        raise InvalidRequestError("client_id is required with request_uri", redirectable=False)
    pushed = store.use_pushed_request(digest(request_uri), client_id, now)
    if pushed is None:
        raise InvalidRequestUriError(
            "request_uri is unknown, expired, already used or not this client's",
            redirectable=False,
        )
    return {str(name): str(value) for name, value in pushed.items()}
