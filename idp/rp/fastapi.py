"""FastAPI: a route's access-token requirement as a dependency.

```python
api = ResourceServer(AsyncProvider("https://idp.example"), audience="https://api.example")

@app.get("/orders")
async def orders(claims: Claims = Depends(api.require(scopes="orders:read"))): ...
```

A refused request gets the ``HTTPException`` of its ``Refusal`` (idp.rp.bearer): its
status, its ``WWW-Authenticate`` challenge, the reason as ``detail``. The dependency
declares the HTTP bearer security scheme, so the OpenAPI document shows it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection

from fastapi import HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from idp.rp import resource_server
from idp.rp.bearer import Requirement
from idp.rp.claims import Claims
from idp.rp.errors import TokenError

# Parses nothing for us (auto_error=False): only there for the OpenAPI document.
_SCHEME = HTTPBearer(auto_error=False, description="An access token of the identity provider")


class ResourceServer(resource_server.ResourceServer):
    def require(
        self,
        *,
        scopes: str | Collection[str] = (),
        roles: str | Collection[str] = (),
        acr_values: str | Collection[str] | None = None,
        max_age: int | None = None,
    ) -> Callable[..., Awaitable[Claims]]:
        """A dependency giving the claims of the request's access token, when it has
        every one of ``scopes`` and ``roles`` and, when given, comes from a user
        authentication of one of ``acr_values`` at most ``max_age`` seconds old."""
        requirement = Requirement.of(scopes, roles, acr_values, max_age)

        async def access_token_claims(
            request: Request,
            _: HTTPAuthorizationCredentials | None = Security(_SCHEME),  # noqa: B008
        ) -> Claims:
            try:
                fields = request.headers.getlist("authorization")
                return await self.authenticate_async(fields, requirement)
            except TokenError as error:
                raise self._http_exception(error, requirement) from None

        return access_token_claims

    def _http_exception(self, error: TokenError, requirement: Requirement) -> HTTPException:
        refused = self.refusal(error, requirement)
        return HTTPException(refused.status, refused.body["error_description"], refused.headers)
