"""The demo relying party: the authorization code flow with PKCE (RFC 7636) and an ID
token verified against the JWKS (OIDC Core §3.1.3.7), done the way any client does it,
over HTTP against the issuer."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from idp.secret import new_token

SCOPE = "openid profile email"
TIMEOUT = 10


class DemoSignInError(RuntimeError):
    pass


@dataclass(frozen=True)
class PendingSignIn:
    state: str
    nonce: str
    verifier: str

    @classmethod
    def new(cls) -> PendingSignIn:
        return cls(new_token(16), new_token(16), new_token(32))


@dataclass(frozen=True)
class DemoRelyingParty:
    issuer: str
    client_id: str

    @property
    def redirect_uri(self) -> str:
        return f"{self.issuer}/demo/callback"

    @property
    def post_logout_redirect_uri(self) -> str:
        return f"{self.issuer}/demo/signed-out"

    def logout_url(self, id_token: str) -> str:
        """RP-Initiated Logout 1.0 §2, with the ID token as hint: no confirmation."""
        query = {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": self.post_logout_redirect_uri,
        }
        return f"{self.issuer}/logout?{urlencode(query)}"

    def authorization_url(self, pending: PendingSignIn) -> str:
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": SCOPE,
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": create_s256_code_challenge(pending.verifier),
            "code_challenge_method": "S256",
        }
        return f"{self.issuer}/authorize?{urlencode(query)}"

    def finish(self, pending: PendingSignIn, params: dict[str, str]) -> dict[str, Any]:
        """The callback: state and iss checked (RFC 6749 §10.12, RFC 9207 §2.4), the
        code redeemed, the ID token verified, UserInfo fetched."""
        if "error" in params:
            raise DemoSignInError(f"{params['error']}: {params.get('error_description', '')}")
        if not hmac.compare_digest(params.get("state", ""), pending.state):
            raise DemoSignInError("the state does not match this browser's sign-in")
        if params.get("iss") != self.issuer:
            raise DemoSignInError("the response comes from another issuer")
        with httpx.Client(base_url=self.issuer, timeout=TIMEOUT) as http:
            tokens = self._redeem(http, params.get("code", ""), pending)
            claims = self._verify_id_token(http, tokens["id_token"], pending)
            userinfo = http.get(
                "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
            ).json()
        return {
            "id_token_claims": claims,
            "userinfo": userinfo,
            "scope": tokens.get("scope"),
            "logout_url": self.logout_url(tokens["id_token"]),
        }

    def _redeem(self, http: httpx.Client, code: str, pending: PendingSignIn) -> dict[str, Any]:
        response = http.post(
            "/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "client_id": self.client_id,
                "code_verifier": pending.verifier,
            },
        )
        body: dict[str, Any] = response.json()
        if response.status_code != 200:
            raise DemoSignInError(f"{body.get('error')}: {body.get('error_description')}")
        return body

    def _verify_id_token(
        self, http: httpx.Client, id_token: str, pending: PendingSignIn
    ) -> dict[str, Any]:
        keys = jwt.PyJWKSet.from_dict(http.get("/jwks").json())
        kid = jwt.get_unverified_header(id_token).get("kid")
        key = next((key for key in keys.keys if key.key_id == kid), None)
        if key is None:
            raise DemoSignInError("the ID token is signed with a key the JWKS does not have")
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key,
            algorithms=["RS256", "ES256"],
            audience=self.client_id,
            issuer=self.issuer,
        )
        if claims.get("nonce") != pending.nonce:
            raise DemoSignInError("the ID token's nonce does not match")
        return claims
