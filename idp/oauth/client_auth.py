"""Client authentication at the token endpoint (RFC 6749 §2.3, OIDC Core §9, RFC 7523 §3).

A client uses exactly the method it registered, and only one per request.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

import jwt

from idp.errors import InvalidClientError, InvalidRequestError, ProtocolError
from idp.oauth.clients import AuthMethod, Client
from idp.oauth.parameters import check_parameter
from idp.oauth.storage import AssertionStore, ClientStore
from idp.secret import matches_digest

JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ("RS256", "ES256", "PS256", "EdDSA")
MAX_ASSERTION_LIFETIME = 600


@dataclass(frozen=True)
class Credentials:
    """The client credentials one request presented."""

    method: AuthMethod
    client_id: str
    secret: str | None = None
    assertion: str | None = None


@dataclass(frozen=True)
class AssertionAudience:
    token_endpoint: str
    issuer: str


@dataclass
class PresentedCredentials:
    """What a request presents to authenticate its client, read once: the endpoint
    looks at the claimed client early (where to run, CORS) and the core authenticates."""

    params: Mapping[str, str]
    authorization: str | None
    _read: Credentials | ProtocolError | None = field(default=None, init=False, repr=False)

    def read(self) -> Credentials:
        if self._read is None:
            try:
                self._read = read_credentials(self.params, self.authorization)
            except ProtocolError as error:
                self._read = error
        if isinstance(self._read, ProtocolError):
            raise self._read
        return self._read

    @property
    def claimed_client_id(self) -> str | None:
        try:
            return self.read().client_id
        except ProtocolError:
            return None  # the request fails either way; authentication says why


def read_credentials(params: Mapping[str, str], authorization: str | None) -> Credentials:
    basic = bool(authorization) and str(authorization)[:6].lower() == "basic "
    post = "client_secret" in params
    assertion = "client_assertion" in params or "client_assertion_type" in params
    if basic + post + assertion > 1:
        # RFC 6749 §2.3: the client MUST NOT use more than one authentication method.
        raise InvalidRequestError("more than one client authentication method was used")
    if basic:
        credentials = _read_basic(str(authorization)[6:])
    elif post:
        credentials = Credentials(
            AuthMethod.CLIENT_SECRET_POST,
            _required_client_id(params),
            secret=params["client_secret"],
        )
    elif assertion:
        credentials = _read_assertion(params)
    else:
        return Credentials(AuthMethod.NONE, _required_client_id(params))
    if params.get("client_id", credentials.client_id) != credentials.client_id:
        raise InvalidRequestError("client_id does not match the authenticated client")
    return credentials


def authenticate_client(
    clients: ClientStore,
    assertions: AssertionStore,
    credentials: Credentials,
    audience: AssertionAudience,
    now: int,
) -> Client:
    client = clients.load_client(credentials.client_id)
    if client is None:
        raise InvalidClientError("client authentication failed", debug="unknown client")
    if client.token_endpoint_auth_method is not credentials.method:
        raise InvalidClientError(
            "client authentication failed",
            debug=f"client registered {client.token_endpoint_auth_method}, "
            f"used {credentials.method}",
        )
    if credentials.method in (AuthMethod.CLIENT_SECRET_BASIC, AuthMethod.CLIENT_SECRET_POST):
        check_client_secret(client, credentials.secret or "")
    elif credentials.method is AuthMethod.PRIVATE_KEY_JWT:
        check_client_assertion(client, assertions, credentials.assertion or "", audience, now)
    return client


def check_client_secret(client: Client, secret: str) -> None:
    if client.secret_digest is None or not matches_digest(secret, client.secret_digest):
        raise InvalidClientError("client authentication failed", debug="wrong client secret")


def check_client_assertion(
    client: Client,
    assertions: AssertionStore,
    assertion: str,
    audience: AssertionAudience,
    now: int,
) -> None:
    """RFC 7523 §3: iss = sub = client_id, aud names us, exp in the near future, jti once."""
    claims = _verify_assertion_signature(client, assertion)
    if claims.get("iss") != client.client_id or claims.get("sub") != client.client_id:
        raise InvalidClientError("client assertion iss and sub must be the client_id")
    audiences = claims.get("aud")
    audiences = [audiences] if isinstance(audiences, str) else audiences or []
    if not {audience.token_endpoint, audience.issuer} & set(audiences):
        raise InvalidClientError("client assertion aud must name the token endpoint")
    exp, jti = claims.get("exp"), claims.get("jti")
    if not isinstance(exp, int) or exp <= now:
        raise InvalidClientError("client assertion has expired or has no exp")
    if exp > now + MAX_ASSERTION_LIFETIME:
        raise InvalidClientError("client assertion lives too long")
    if not isinstance(jti, str) or not jti:
        raise InvalidClientError("client assertion has no jti")
    try:
        check_parameter("jti", jti)  # it is stored, to be refused if used again
    except InvalidRequestError as exc:
        raise InvalidClientError("client assertion jti is malformed") from exc
    if not assertions.record_assertion(client.client_id, jti, exp):
        raise InvalidClientError("client assertion was already used")


def _verify_assertion_signature(client: Client, assertion: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(assertion)
        key_set = jwt.PyJWKSet.from_dict(client.jwks or {"keys": []})
        candidates = [key for key in key_set.keys if header.get("kid") in (None, key.key_id)]
        if header.get("alg") not in ASSERTION_ALGORITHMS or not candidates:
            raise InvalidClientError("client assertion is signed with no registered key")
        for key in candidates:
            try:
                claims: dict[str, Any] = jwt.decode(
                    assertion,
                    key,
                    algorithms=[header["alg"]],
                    options={
                        "verify_aud": False,
                        "verify_exp": False,
                        "verify_iat": False,
                        "verify_nbf": False,
                    },
                )
                return claims
            except jwt.InvalidSignatureError:
                continue
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise InvalidClientError("client assertion is invalid", debug=str(exc)) from exc
    raise InvalidClientError("client assertion signature does not verify")


def _read_basic(encoded: str) -> Credentials:
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        raw_id, raw_secret = decoded.split(":", 1)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidClientError("malformed HTTP Basic credentials") from exc
    # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
    client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
    try:
        check_parameter("client_id", client_id)
        check_parameter("client_secret", secret)
    except InvalidRequestError as exc:
        raise InvalidClientError("malformed HTTP Basic credentials") from exc
    return Credentials(AuthMethod.CLIENT_SECRET_BASIC, client_id, secret=secret)


def _read_assertion(params: Mapping[str, str]) -> Credentials:
    if params.get("client_assertion_type") != JWT_BEARER_ASSERTION:
        raise InvalidRequestError(f"client_assertion_type must be {JWT_BEARER_ASSERTION}")
    assertion = params.get("client_assertion")
    if not assertion:
        raise InvalidRequestError("missing client_assertion")
    try:
        issuer = jwt.decode(assertion, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError as exc:
        raise InvalidClientError("client assertion is malformed") from exc
    if not isinstance(issuer, str) or not issuer:
        raise InvalidClientError("client assertion has no iss")
    check_parameter("client_id", issuer)  # it names the client, as client_id would
    return Credentials(AuthMethod.PRIVATE_KEY_JWT, issuer, assertion=assertion)


def _required_client_id(params: Mapping[str, str]) -> str:
    client_id = params.get("client_id")
    if not client_id:
        raise InvalidClientError("client authentication is required")
    return client_id
