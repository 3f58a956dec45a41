"""ID tokens (OIDC Core §2, §3.1.3.6), added to the token responses of grants made by a
user with scope openid. The OAuth core knows only the extension point
(idp.oauth.token_context.TokenResponseExtension); idp.provider registers this one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from authlib.oidc.core.util import create_half_hash

from idp.authz.claims import Target
from idp.keys.jws import JwtSigner
from idp.keys.signing import Algorithm
from idp.oauth.clients import Client
from idp.oauth.token_context import NoUserClaims, UserClaims
from idp.oauth.tokens import AccessToken, Grant, Lifetimes
from idp.scope import OPENID


@dataclass(frozen=True)
class IdTokens:
    signer: JwtSigner
    issuer: str
    lifetimes: Lifetimes
    user_claims: UserClaims = field(default_factory=NoUserClaims)

    def extend(
        self,
        response: dict[str, Any],
        grant: Grant,
        client: Client,
        access: AccessToken,
        *,
        nonce: str | None,
        now: int,
    ) -> None:
        if OPENID in grant.scope:
            response["id_token"] = self.issue(grant, client, access.token, nonce=nonce, now=now)

    def issue(
        self, grant: Grant, client: Client, access_token: str, *, nonce: str | None, now: int
    ) -> str:
        alg = Algorithm(client.id_token_signed_response_alg)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": grant.subject,
            "aud": grant.client_id,
            "azp": grant.client_id,
            "iat": now,
            "exp": now + self.lifetimes.for_client(client).id_token,
            "auth_time": grant.auth_time,
            "sid": grant.sid,
            "acr": grant.acr,
            "amr": list(grant.amr),
            # OIDC Core §3.1.3.6: left half of the hash of the access token, alg's hash.
            "at_hash": create_half_hash(access_token, alg.value).decode(),
        }
        if nonce is not None:
            claims["nonce"] = nonce  # OIDC Core §3.1.3.7 step 11
        mapped = self.user_claims.release(
            grant.subject, client.client_id, client.claim_mapping, grant.scope, Target.ID_TOKEN
        )
        for name, value in mapped.items():
            claims.setdefault(name, value)
        return self.signer.sign(claims, alg)
