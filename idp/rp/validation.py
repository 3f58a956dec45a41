"""The claims rules of each kind of token, run once its signature has verified:
access tokens (RFC 9068 §4), ID tokens (OIDC Core §3.1.3.7), logout tokens (OIDC
Back-Channel Logout 1.0 §2.6). Times are checked with ``leeway`` seconds of clock skew
either way (RFC 7519 §4.1.4)."""

from __future__ import annotations

import base64
import hmac
from collections.abc import Collection, Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes

from idp.rp.errors import (
    AuthenticationTooOld,
    ExpiredToken,
    InsufficientAuthentication,
    InsufficientScope,
    InvalidAccessTokenHash,
    InvalidAudience,
    InvalidClaims,
    InvalidIssuer,
    InvalidNonce,
    InvalidTokenType,
    NotYetValid,
)
from idp.rp.jws import Header
from idp.rp.keys import JwsAlgorithm

Claims = Mapping[str, Any]

# RFC 7515 §4.1.9 media types, as idp.rp.jws.Header keeps them (lower case, no
# "application/"); None is a token without typ.
ACCESS_TOKEN_TYPES = frozenset({"at+jwt"})  # RFC 9068 §2.1, §4
ID_TOKEN_TYPES = frozenset({None, "jwt"})  # RFC 7519 §5.1; never another kind's type
LOGOUT_TOKEN_TYPES = frozenset({None, "logout+jwt"})  # Back-Channel Logout 1.0 §2.4
SECURITY_EVENT_TYPES = frozenset({"secevent+jwt"})  # RFC 8417 §2.3
STATUS_LIST_TYPES = frozenset({"statuslist+jwt"})  # draft-ietf-oauth-status-list-20 §5.1
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"  # §2.4


def check_type(header: Header, accepted: frozenset[str | None], kind: str) -> None:
    """RFC 8725 §3.11: one kind of token is never taken for another."""
    if header.typ not in accepted:
        raise InvalidTokenType(f"the token's typ is not that of {kind}")


def check_access_token(
    claims: Claims,
    *,
    issuer: str,
    audience: str,
    scopes: frozenset[str],
    acr_values: Collection[str] | None,
    max_age: float | None,
    now: float,
    leeway: float,
) -> None:
    """RFC 9068 §4 (the signature, alg and typ are checked before), then the strength
    and freshness of the user's authentication the caller asks for (RFC 9470 §3)."""
    check_issuer(claims, issuer)
    check_audience(claims, audience)
    check_lifetime(claims, now, leeway)
    for name in ("sub", "client_id", "jti"):  # RFC 9068 §2.2
        required_string(claims, name)
    check_scopes(claims, scopes)
    if acr_values is not None:
        check_acr(claims, acr_values)
    if max_age is not None:
        check_authentication_age(claims, max_age, now, leeway)


def check_id_token(
    claims: Claims,
    *,
    issuer: str,
    client_id: str,
    alg: JwsAlgorithm,
    nonce: str | None,
    access_token: str | None,
    max_age: float | None,
    acr_values: Collection[str] | None,
    now: float,
    leeway: float,
) -> None:
    """OIDC Core §3.1.3.7 (steps 1 and 6-8, decryption and the signature, before)."""
    check_issuer(claims, issuer)  # step 2
    check_audience(claims, client_id)  # step 3
    check_authorized_party(claims, client_id)  # steps 4-5
    check_lifetime(claims, now, leeway)  # steps 9-10
    required_string(claims, "sub")  # §2
    check_nonce(claims, nonce)  # step 11
    if acr_values is not None:
        check_acr(claims, acr_values)  # step 12
    if max_age is not None:
        check_auth_time(claims, max_age, now, leeway)  # step 13
    if access_token is not None:
        check_access_token_hash(claims, access_token, alg.hash)  # §3.2.2.9, §3.3.2.11


def check_logout_token(
    claims: Claims, *, issuer: str, client_id: str, now: float, leeway: float
) -> None:
    """Back-Channel Logout 1.0 §2.6 steps 3-7 (the replay check is the caller's)."""
    check_issuer(claims, issuer)
    check_audience(claims, client_id)
    check_lifetime(claims, now, leeway)
    required_string(claims, "jti")  # §2.4
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(LOGOUT_EVENT), dict):
        raise InvalidClaims("the logout token has no back-channel logout event")  # step 4
    if not any(isinstance(claims.get(name), str) for name in ("sub", "sid")):
        raise InvalidClaims("the logout token has neither sub nor sid")  # step 5
    if "nonce" in claims:
        raise InvalidClaims("a logout token has no nonce")  # step 6


def check_issuer(claims: Claims, issuer: str) -> None:
    if claims.get("iss") != issuer:  # exactly (RFC 9068 §4, OIDC Core §3.1.3.7 step 2)
        raise InvalidIssuer(f"the token's iss is not {issuer}")


def check_audience(claims: Claims, audience: str) -> None:
    """RFC 7519 §4.1.3: ``aud`` is one string or an array of strings."""
    value = claims.get("aud")
    if value != audience and not (isinstance(value, list) and audience in value):
        raise InvalidAudience(f"the token is not for {audience}")


def check_authorized_party(claims: Claims, client_id: str) -> None:
    azp = claims.get("azp")
    if azp is None and isinstance(claims.get("aud"), list) and len(claims["aud"]) > 1:
        raise InvalidAudience("an ID token for several audiences must name its azp")
    if azp is not None and azp != client_id:
        raise InvalidAudience(f"the ID token's azp is not {client_id}")


def check_lifetime(claims: Claims, now: float, leeway: float) -> None:
    """``exp`` and ``iat`` required, ``nbf`` if present (RFC 7519 §4.1.4-4.1.6)."""
    if required_number(claims, "exp") + leeway <= now:
        raise ExpiredToken("the token has expired")
    if required_number(claims, "iat") - leeway > now:
        raise NotYetValid("the token was issued in the future")
    if "nbf" in claims and required_number(claims, "nbf") - leeway > now:
        raise NotYetValid("the token is not valid yet (nbf)")


def check_scopes(claims: Claims, scopes: frozenset[str]) -> None:
    """RFC 9068 §2.2.3: ``scope`` is space-separated; every scope asked must be in it."""
    scope = claims.get("scope", "")
    if not isinstance(scope, str):
        raise InvalidClaims("the token's scope is not a string")
    if scopes and not scopes.issubset(scope.split()):
        missing = " ".join(sorted(scopes.difference(scope.split())))
        raise InsufficientScope(f"the token lacks the scope {missing}")


def check_nonce(claims: Claims, nonce: str | None) -> None:
    if nonce is None:
        return
    value = claims.get("nonce")
    if not isinstance(value, str) or not hmac.compare_digest(value, nonce):
        raise InvalidNonce("the ID token's nonce is not the one sent")


def check_acr(claims: Claims, acr_values: Collection[str]) -> None:
    if claims.get("acr") not in acr_values:
        raise InsufficientAuthentication("the authentication (acr) is not one accepted")


def check_auth_time(claims: Claims, max_age: float, now: float, leeway: float) -> None:
    """OIDC Core §3.1.2.1: with ``max_age``, ``auth_time`` is required."""
    if "auth_time" not in claims:
        raise InvalidClaims("the ID token has no auth_time")
    if now - required_number(claims, "auth_time") > max_age + leeway:
        raise AuthenticationTooOld(f"the authentication is older than {max_age} s")


def check_authentication_age(claims: Claims, max_age: float, now: float, leeway: float) -> None:
    """RFC 9470 §3, §6.1: a token that does not say when the user authenticated
    (``auth_time``, RFC 9068 §2.2.1) is not fresh enough for any ``max_age``."""
    auth_time = claims.get("auth_time")
    if isinstance(auth_time, bool) or not isinstance(auth_time, int | float):
        raise AuthenticationTooOld("the token does not say when the user authenticated")
    if now - auth_time > max_age + leeway:
        raise AuthenticationTooOld(f"the authentication is older than {max_age:g} s")


def check_access_token_hash(claims: Claims, access_token: str, hash_: hashes.HashAlgorithm) -> None:
    """OIDC Core §3.1.3.6: base64url of the left half of the hash of the access token's
    ASCII, with the hash of the ID token's alg."""
    value = claims.get("at_hash")
    if not isinstance(value, str):
        raise InvalidAccessTokenHash("the ID token has no at_hash")
    digest = hashes.Hash(hash_)
    digest.update(access_token.encode("ascii", "replace"))
    half = digest.finalize()[: hash_.digest_size // 2]
    expected = base64.urlsafe_b64encode(half).rstrip(b"=").decode()
    if not hmac.compare_digest(value.encode(), expected.encode()):
        raise InvalidAccessTokenHash("the ID token's at_hash is not that of the access token")


def required_string(claims: Claims, name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str):
        raise InvalidClaims(f"the token has no {name} claim (a string)")
    return value


def required_number(claims: Claims, name: str) -> float:
    """RFC 7519 §2 NumericDate: a JSON number (not a boolean)."""
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidClaims(f"the token has no {name} claim (a number)")
    return value
