"""Sign and verify JWTs with the key ring (RFC 7515, RFC 7519), through PyJWT."""

from __future__ import annotations

from typing import Any

import jwt

from idp.clock import Clock
from idp.keys.keyring import KeyRing
from idp.keys.signing import Algorithm


class TokenVerificationError(ValueError):
    pass


# Verified claims are remembered per token: a resource server introspecting or calling
# UserInfo with the same token again costs a dictionary lookup instead of a signature
# check. Expiry is still checked on every use, revocation by the caller.
VERIFIED_CACHE_SIZE = 8192


class JwtSigner:
    def __init__(self, keyring: KeyRing, clock: Clock) -> None:
        self.keyring = keyring
        self.clock = clock
        self._verified: dict[tuple[str, str, str, str | None], dict[str, Any]] = {}

    def sign(self, claims: dict[str, Any], alg: Algorithm, typ: str = "JWT") -> str:
        key = self.keyring.signing_key(alg)
        return jwt.encode(
            claims, key.private_key, algorithm=alg.value, headers={"kid": key.kid, "typ": typ}
        )

    def verify(
        self, token: str, *, typ: str, issuer: str, audience: str | None = None
    ) -> dict[str, Any]:
        """Claims of a JWT this server signed; checks typ, kid, signature, iss, exp, aud."""
        key = (token, typ, issuer, audience)
        claims = self._verified.get(key)
        if claims is None:
            claims = self._verify_signed(token, typ=typ, issuer=issuer, audience=audience)
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified[key] = claims
        if not isinstance(claims["exp"], int) or claims["exp"] <= self.clock.now():
            raise TokenVerificationError("token has expired")
        return claims

    def _verify_signed(
        self, token: str, *, typ: str, issuer: str, audience: str | None
    ) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenVerificationError("malformed token") from exc
        if header.get("typ", "").lower() != typ.lower():
            raise TokenVerificationError("unexpected token type")
        alg = header.get("alg")
        if alg not in {member.value for member in Algorithm}:
            raise TokenVerificationError("unexpected algorithm")
        key = self.keyring.verification_key(str(header.get("kid")))
        if key is None:
            raise TokenVerificationError("unknown signing key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[alg],
                issuer=issuer,
                audience=audience,
                # Expiry is checked below against the injectable clock.
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
