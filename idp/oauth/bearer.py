"""Bearer tokens presented to our own protected resources (RFC 6750 §2.1, RFC 9068 §4)."""

from __future__ import annotations

from typing import Any

from idp.errors import REALM, InvalidRequestError, InvalidTokenError
from idp.keys.jws import JwtSigner, TokenVerificationError
from idp.oauth.tokens import ACCESS_TOKEN_TYPE
from idp.revocation.cache import RevocationCache


class MissingTokenError(InvalidTokenError):
    """RFC 6750 §3.1: a request with no credentials gets no error code."""

    reports_error = False

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": f'Bearer realm="{REALM}"'}


def read_bearer_token(authorization: str | None, form_token: str | None) -> str:
    header_token = None
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            header_token = value.strip()
    if header_token and form_token:
        # RFC 6750 §2: clients MUST NOT use more than one method.
        raise InvalidRequestError("access token sent in more than one way")
    token = header_token or form_token
    if not token:
        raise MissingTokenError("an access token is required")
    return token


def verify_access_token(
    token: str,
    signer: JwtSigner,
    *,
    issuer: str,
    audience: str | None,
    revocations: RevocationCache,
    now: int,
) -> dict[str, Any]:
    """RFC 9068 §4: typ at+jwt, our signature, iss, aud, exp; and not revoked."""
    claims = read_access_token(token, signer, issuer=issuer, audience=audience)
    check_access_token_live(claims, signer, revocations, now)
    return claims


def read_access_token(
    token: str, signer: JwtSigner, *, issuer: str, audience: str | None
) -> dict[str, Any]:
    """The claims of one of our access tokens (typ, signature, iss, aud), live or not:
    enough to know whose token it is."""
    try:
        return signer.signed_claims(token, typ=ACCESS_TOKEN_TYPE, issuer=issuer, audience=audience)
    except TokenVerificationError as exc:
        raise InvalidTokenError("the access token is invalid", debug=str(exc)) from exc


def check_access_token_live(
    claims: dict[str, Any], signer: JwtSigner, revocations: RevocationCache, now: int
) -> None:
    """Not expired (with the clock leeway), not revoked and not suspended."""
    try:
        signer.check_unexpired(claims)
    except TokenVerificationError as exc:
        raise InvalidTokenError("the access token has expired", debug=str(exc)) from exc
    if revocations.covers(claims, now):
        raise InvalidTokenError("the access token has been revoked")
    if revocations.suspends(claims):
        raise InvalidTokenError("the access token is suspended")
