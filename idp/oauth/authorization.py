"""The authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2): validate the request as
a flat list of ``check_*`` steps; issue the code once the interaction is complete."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from authlib.common.urls import add_params_to_uri

from idp.errors import (
    InvalidRequestError,
    InvalidScopeError,
    ProtocolError,
    RequestNotSupportedError,
    RequestUriNotSupportedError,
    UnauthorizedClientError,
    UnsupportedResponseTypeError,
)
from idp.interaction.model import REQUESTED_PROMPTS
from idp.oauth.claims_request import check_claims
from idp.oauth.clients import Client, GrantType
from idp.oauth.grants import AuthorizationCode
from idp.oauth.parameters import check_not_repeated, require
from idp.oauth.pkce import check_code_challenge
from idp.oauth.resources import check_resources
from idp.oauth.storage import ClientStore, CodeStore
from idp.scope import OFFLINE_ACCESS, OPENID, Scope
from idp.secret import digest, new_token
from idp.sessions.sso import SsoSession

SUPPORTED_PROMPTS = frozenset(prompt.value for prompt in REQUESTED_PROMPTS)
MAX_AGE_LIMIT = 10 * 365 * 86400
ASCII_DIGITS = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    scope: Scope
    state: str | None = None
    nonce: str | None = None
    prompt: tuple[str, ...] = ()
    max_age: int | None = None
    login_hint: str | None = None
    code_challenge: str | None = None
    resources: tuple[str, ...] = ()
    acr_values: tuple[str, ...] = ()
    acr_essential: bool = False  # OIDC Core §5.5.1.1, from the claims parameter

    @property
    def is_openid(self) -> bool:
        return OPENID in self.scope

    def to_record(self) -> dict[str, Any]:
        return {**asdict(self), "scope": str(self.scope)}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> AuthorizationRequest:
        return cls(
            **{
                **record,
                "scope": Scope.parse(record["scope"]),
                "prompt": tuple(record["prompt"]),
                "resources": tuple(record.get("resources", ())),
                "acr_values": tuple(record.get("acr_values", ())),
            }
        )


def validate_authorization_request(
    params: Mapping[str, str],
    clients: ClientStore,
    *,
    pushed: bool = False,
    repeated: frozenset[str] = frozenset(),
    redirect_errors: bool = True,
) -> tuple[AuthorizationRequest, Client]:
    """Errors raised before the redirect URI is trusted are not redirectable.
    ``pushed``: the parameters came through a pushed authorization request (RFC 9126);
    ``repeated``: names of parameters the request included more than once;
    ``redirect_errors``: False where errors are answered directly (the PAR endpoint)."""
    if {"client_id", "redirect_uri"} & repeated:
        raise InvalidRequestError("client_id and redirect_uri must appear once", redirectable=False)
    client = check_client(params, clients)
    redirect_uri = check_redirect_uri(params, client)
    try:
        check_not_repeated(repeated)  # RFC 6749 §3.1
        check_pushed_if_required(client, pushed)
        check_no_request_object(params)
        check_response_type(params, client)
        check_response_mode(params)
        scope = check_scope(params, client)
        prompt = check_prompt(params)
        max_age = check_max_age(params)
        resources = check_resources(params, client)
        acr_values, acr_essential = check_acr(params)
        check_code_challenge(
            params.get("code_challenge"),
            params.get("code_challenge_method"),
            required=client.is_public,
        )
    except ProtocolError as error:
        if not redirect_errors:
            raise
        raise error.redirected_to(redirect_uri, params.get("state")) from None
    request = AuthorizationRequest(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        scope=scope,
        state=params.get("state"),
        nonce=params.get("nonce"),
        prompt=prompt,
        max_age=max_age,
        login_hint=params.get("login_hint"),
        code_challenge=params.get("code_challenge"),
        resources=resources,
        acr_values=acr_values,
        acr_essential=acr_essential,
    )
    return request, client


def check_client(params: Mapping[str, str], clients: ClientStore) -> Client:
    client_id = params.get("client_id")
    if not client_id:
        raise InvalidRequestError("missing client_id", redirectable=False)
    client = clients.load_client(client_id)
    if client is None:
        # RFC 6749 §4.1.2.1: MUST NOT automatically redirect for an unknown client.
        raise InvalidRequestError("unknown client", redirectable=False)
    return client


def check_redirect_uri(params: Mapping[str, str], client: Client) -> str:
    redirect_uri = params.get("redirect_uri")
    if redirect_uri is None:
        # OIDC Core §3.1.2.1: redirect_uri is REQUIRED.
        raise InvalidRequestError("missing redirect_uri", redirectable=False)
    if not client.has_redirect_uri(redirect_uri):
        # RFC 6749 §4.1.2.1, §3.1.2.4: never redirect to an unregistered URI.
        raise InvalidRequestError(
            "redirect_uri is not registered for this client", redirectable=False
        )
    return redirect_uri


def check_pushed_if_required(client: Client, pushed: bool) -> None:
    if client.require_par and not pushed:
        # RFC 9126 §6: this client's requests must come through the PAR endpoint.
        raise InvalidRequestError("this client must use pushed authorization requests")


def check_no_request_object(params: Mapping[str, str]) -> None:
    # OIDC Core §6: we advertise request_parameter_supported=false.
    if "request" in params:
        raise RequestNotSupportedError("request objects are not supported")
    if "request_uri" in params:
        raise RequestUriNotSupportedError("request_uri is not supported")


def check_response_type(params: Mapping[str, str], client: Client) -> None:
    response_type = require(params, "response_type")
    if response_type != "code":
        raise UnsupportedResponseTypeError("only response_type=code is supported")
    if GrantType.AUTHORIZATION_CODE not in client.grant_types:
        raise UnauthorizedClientError("client may not use the authorization code grant")


def check_response_mode(params: Mapping[str, str]) -> None:
    if params.get("response_mode", "query") != "query":
        raise InvalidRequestError("only response_mode=query is supported")


def check_scope(params: Mapping[str, str], client: Client) -> Scope:
    """RFC 6749 §3.3: the requested scope, within what the client registered."""
    requested = client.scope.narrow(params.get("scope"), default=Scope())
    if not requested:
        # RFC 6749 §3.3: no default scope is defined, so the request fails.
        raise InvalidScopeError("scope is required")
    if OFFLINE_ACCESS in requested and GrantType.REFRESH_TOKEN not in client.grant_types:
        # OIDC Core §11: offline_access is ignored when no refresh token can follow.
        return requested.without(OFFLINE_ACCESS)
    return requested


def check_prompt(params: Mapping[str, str]) -> tuple[str, ...]:
    prompt = tuple(dict.fromkeys(params.get("prompt", "").split()))
    unknown = set(prompt) - SUPPORTED_PROMPTS
    if unknown:
        raise InvalidRequestError(f"unsupported prompt value: {' '.join(sorted(unknown))}")
    if "none" in prompt and len(prompt) > 1:
        # OIDC Core §3.1.2.1: none with any other value is an error.
        raise InvalidRequestError("prompt=none cannot be combined with other values")
    return prompt


def check_acr(params: Mapping[str, str]) -> tuple[tuple[str, ...], bool]:
    """The classes asked for, in order of preference, and whether they are essential.
    ``acr_values`` (OIDC Core §3.1.2.1) is voluntary: values we do not support are kept
    and ignored by idp.authn.mfa_policy. An essential ``acr`` of the ``claims``
    parameter (§5.5.1.1) takes its place: the tokens' ``acr`` must then be one of its
    values; a voluntary one counts where ``acr_values`` is absent."""
    acr_values = tuple(dict.fromkeys(params.get("acr_values", "").split()))
    asked = check_claims(params)
    if asked is not None and (asked.essential or not acr_values):
        return asked.values, asked.essential
    return acr_values, False


def check_max_age(params: Mapping[str, str]) -> int | None:
    raw = params.get("max_age")
    if raw is None:
        return None
    if not ASCII_DIGITS.fullmatch(raw) or int(raw) > MAX_AGE_LIMIT:
        raise InvalidRequestError("max_age must be a non-negative number of seconds")
    return int(raw)


def issue_authorization_code(
    codes: CodeStore,
    request: AuthorizationRequest,
    session: SsoSession,
    now: int,
    ttl: int,
    acr: str | None = None,
) -> str:
    """A single-use 256-bit code bound to client, redirect URI, PKCE challenge and nonce;
    ``acr``: what its tokens say, when not the session's (idp.authn.mfa_policy)."""
    code = new_token()
    codes.save_code(
        digest(code),
        AuthorizationCode(
            client_id=request.client_id,
            user_id=session.user_id,
            redirect_uri=request.redirect_uri,
            scope=request.scope,
            nonce=request.nonce,
            code_challenge=request.code_challenge,
            resources=request.resources,
            sid=session.sid,
            expires_at=now + ttl,
            acr=acr if acr != session.acr else None,
        ),
    )
    return code


def authorization_response_uri(
    request: AuthorizationRequest, params: Mapping[str, str], issuer: str
) -> str:
    """The redirect back to the client; ``iss`` per RFC 9207 §2, ``state`` echoed."""
    response = {**params, "iss": issuer}
    if request.state is not None:
        response["state"] = request.state
    return str(add_params_to_uri(request.redirect_uri, list(response.items())))
