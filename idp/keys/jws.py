"""Sign and verify JWTs with the key ring (RFC 7515, RFC 7519), through PyJWT."""

from __future__ import annotations

from typing import Any

import jwt

from idp.clock import Clock
from idp.keys.keyring import KeyRing
from idp.keys.signing import Algorithm
from idp.lru import Lru

ALGORITHMS = frozenset(member.value for member in Algorithm)
# Verified claims are remembered per token: a resource server introspecting or calling
# UserInfo with the same token again costs a lookup instead of a signature check.
# Expiry is still checked on every use, revocation by the caller.
VERIFIED_CACHE_SIZE = 8192


class TokenVerificationError(ValueError):
    pass


class JwtSigner:
    def __init__(self, keyring: KeyRing, clock: Clock, leeway: int = 0) -> None:
        self.keyring = keyring
        self.clock = clock
        self.leeway = leeway
        self._verified: Lru[tuple[str, str, str, str | None], dict[str, Any]] = Lru(
            VERIFIED_CACHE_SIZE
        )

    def sign(self, claims: dict[str, Any], alg: Algorithm, typ: str = "JWT") -> str:
        key = self.keyring.signing_key(alg)
        return jwt.encode(
            claims, key.private_key, algorithm=alg.value, headers={"kid": key.kid, "typ": typ}
        )

    def verify(
        self, token: str, *, typ: str, issuer: str, audience: str | None = None
    ) -> dict[str, Any]:
        """Claims of a JWT this server signed; checks typ, kid, signature, iss, exp, aud.
        Expiry allows ``leeway`` seconds of clock skew between nodes (RFC 7519 §4.1.4)."""
        claims = self.signed_claims(token, typ=typ, issuer=issuer, audience=audience)
        self.check_unexpired(claims)
        return claims

    def signed_claims(
        self, token: str, *, typ: str, issuer: str, audience: str | None = None
    ) -> dict[str, Any]:
        """Claims of a JWT this server signed, expired or not."""
        key = (token, typ, issuer, audience)
        claims = self._verified.get(key)
        if claims is None:
            claims = self._verify_signed(token, typ=typ, issuer=issuer, audience=audience)
            self._verified.put(key, claims)
        return claims

    def check_unexpired(self, claims: dict[str, Any]) -> None:
        expires_at = claims["exp"]
        if not isinstance(expires_at, int) or expires_at + self.leeway <= self.clock.now():
            raise TokenVerificationError("token has expired")

    def _verify_signed(
        self, token: str, *, typ: str, issuer: str, audience: str | None
    ) -> dict[str, Any]:
        alg, kid = self._check_header(token, typ)
        key = self.keyring.verification_key(kid)
        if key is None:
            raise TokenVerificationError("unknown signing key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[alg],
                issuer=issuer,
                audience=audience,
                # Expiry is checked by verify() against the injectable clock.
                options={
                    "require": ["exp", "iat", "iss", "sub"],
                    "verify_aud": audience is not None,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise TokenVerificationError(str(exc)) from exc
        return claims

    @staticmethod
    def _check_header(token: str, typ: str) -> tuple[str, str]:
        """RFC 7515 §4.1: alg, kid and typ are strings; anything else is not ours."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenVerificationError("malformed token") from exc
        header_typ, alg, kid = header.get("typ"), header.get("alg"), header.get("kid")
        if not isinstance(header_typ, str) or header_typ.lower() != typ.lower():
            raise TokenVerificationError("unexpected token type")
        if not isinstance(alg, str) or alg not in ALGORITHMS:
            raise TokenVerificationError("unexpected algorithm")
        if not isinstance(kid, str):
            raise TokenVerificationError("no key id")
        return alg, kid
