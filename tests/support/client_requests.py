"""What a client sends to the endpoints that authenticate it (/token, /introspect,
/revoke, /par, /device_authorization): the one way the tests POST to Tessera, with the
client authentication a registered client uses (RFC 6749 §2.3.1, §3.2.1)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from idp.oauth.clients import Client
from tests.support.server import RunningIdp

TIMEOUT = 10


def post_form(
    idp: RunningIdp,
    path: str,
    data: Mapping[str, Any] | None = None,
    *,
    auth: tuple[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    http: httpx.Client | None = None,
    timeout: float = TIMEOUT,
) -> httpx.Response:
    """POST ``data`` form-encoded to ``path``: list values repeat the parameter, None
    values are left out. ``auth``: HTTP Basic (client_id, secret). ``http``: send it on
    that client (its connections and timeout) rather than on a new connection."""
    form = {name: value for name, value in (data or {}).items() if value is not None}
    url = f"{idp.base_url}{path}"
    if http is not None:
        return http.post(url, data=form, auth=auth or httpx.USE_CLIENT_DEFAULT, headers=headers)
    return httpx.post(url, data=form, auth=auth, headers=headers, timeout=timeout)


def post_body(
    idp: RunningIdp,
    path: str,
    *,
    content: bytes | Iterable[bytes] | None = None,
    json: Any = None,
    auth: tuple[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """POST what is not a form (JSON, raw or streamed bytes), to see how it is refused."""
    return httpx.post(
        f"{idp.base_url}{path}",
        content=content,
        json=json,
        auth=auth,
        headers=headers,
        timeout=TIMEOUT,
    )


def client_auth(client: Client, secret: str | None) -> tuple[str, str] | None:
    """HTTP Basic for a client with a secret (client_secret_basic); else nothing."""
    return (client.client_id, secret) if secret else None


def post_as_client(
    idp: RunningIdp, path: str, client: Client, secret: str | None, data: Mapping[str, Any]
) -> httpx.Response:
    """POST ``data`` as ``client``: HTTP Basic with its secret, or without one its
    client_id in the form (a public client, RFC 6749 §3.2.1)."""
    form = dict(data)
    if not secret:
        form.setdefault("client_id", client.client_id)
    return post_form(idp, path, form, auth=client_auth(client, secret))


def token_request(
    idp: RunningIdp, client: Client, secret: str | None = None, **data: Any
) -> httpx.Response:
    """POST /token as ``client`` (see ``post_as_client``)."""
    return post_as_client(idp, "/token", client, secret, data)


def client_credentials(idp: RunningIdp, client: Client, secret: str, **data: Any) -> httpx.Response:
    """RFC 6749 §4.4.2: the client credentials grant."""
    return token_request(idp, client, secret, grant_type="client_credentials", **data)


def redeem(
    idp: RunningIdp,
    client: Client,
    code: str,
    verifier: str | None,
    secret: str | None = None,
    **extra: str,
) -> httpx.Response:
    """RFC 6749 §4.1.3: the code (with its PKCE verifier, if any) at /token."""
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": client.redirect_uris[0],
        **extra,
    }
    if verifier:
        data["code_verifier"] = verifier
    return token_request(idp, client, secret, **data)
