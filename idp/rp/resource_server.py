"""``ResourceServer``: an API's access-token check, whatever its framework: the
bearer token of the request (RFC 6750 §2.1) validated for the API's audience
(RFC 9068 §4), then what the route requires of it (scopes, roles, RFC 9470 step-up).
The integrations (idp.rp.fastapi, idp.rp.asgi, idp.rp.flask) are thin layers on it."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence

import anyio.to_thread

from idp.rp.aio import AsyncProvider
from idp.rp.bearer import Refusal, Requirement, bearer_token, refusal
from idp.rp.claims import Claims
from idp.rp.errors import InsufficientRole, InvalidClaims, TokenError
from idp.rp.provider import Provider

ROLES_CLAIM = "roles"  # RFC 9068 §7.2.1.1
log = logging.getLogger("idp.rp")


class ResourceServer:
    """Checks the access tokens sent to the API at ``audience`` (its resource
    indicator, RFC 8707), issued by ``provider``. ``realm`` goes into challenges
    (RFC 6750 §3); ``roles_claim`` names the claim holding the token's roles."""

    def __init__(
        self,
        provider: Provider | AsyncProvider,
        *,
        audience: str,
        realm: str | None = None,
        roles_claim: str = ROLES_CLAIM,
    ) -> None:
        self.provider = provider
        self.audience = audience
        self.realm = realm
        self.roles_claim = roles_claim

    def authenticate(self, authorization: Sequence[str], requirement: Requirement) -> Claims:
        """The claims of the request's token (given its ``Authorization`` header
        fields), if it meets ``requirement``; else a ``TokenError``. Needs a
        ``Provider``; ``authenticate_async`` takes either."""
        if not isinstance(self.provider, Provider):
            raise TypeError("an AsyncProvider is awaited: use authenticate_async")
        claims = self.provider.validate_access_token(
            bearer_token(authorization),
            audience=self.audience,
            scopes=requirement.scopes,
            acr_values=requirement.acr_values,
            max_age=requirement.max_age,
        )
        self._check_roles(claims, requirement.roles)
        return claims

    async def authenticate_async(
        self, authorization: Sequence[str], requirement: Requirement
    ) -> Claims:
        """As ``authenticate``; a ``Provider`` is run in a worker thread, so that a
        fetch of its keys never blocks the event loop."""
        if isinstance(self.provider, Provider):
            return await anyio.to_thread.run_sync(self.authenticate, authorization, requirement)
        claims = await self.provider.validate_access_token(
            bearer_token(authorization),
            audience=self.audience,
            scopes=requirement.scopes,
            acr_values=requirement.acr_values,
            max_age=requirement.max_age,
        )
        self._check_roles(claims, requirement.roles)
        return claims

    def refusal(self, error: TokenError, requirement: Requirement) -> Refusal:
        """What to answer; a refusal that is not the token's fault is logged."""
        if error.status_code == 503:
            log.warning("an access token could not be checked: %s", error)
        return refusal(error, requirement, self.realm)

    def _check_roles(self, claims: Claims, required: Collection[str]) -> None:
        if not required:
            return
        roles = claims.get(self.roles_claim, [])
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise InvalidClaims(f"the token's {self.roles_claim} claim is not a list of strings")
        missing = sorted(set(required).difference(roles))
        if missing:
            raise InsufficientRole(f"the token lacks the role {' '.join(missing)}")
