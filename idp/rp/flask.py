"""Flask: a view's access-token requirement as a decorator.

```python
api = ResourceServer(Provider("https://idp.example"), audience="https://api.example")

@app.get("/orders")
@api.require(scopes="orders:read")
def orders(): return {"for": flask.g.claims.subject}
```

The claims are ``flask.g.claims``; a refused request gets its ``Refusal``
(idp.rp.bearer) as a JSON response. Flask views run in threads: use ``Provider``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from typing import Any, TypeVar

import flask

from idp.rp import resource_server
from idp.rp.bearer import Requirement
from idp.rp.errors import TokenError

View = TypeVar("View", bound=Callable[..., Any])


class ResourceServer(resource_server.ResourceServer):
    def require(
        self,
        *,
        scopes: str | Collection[str] = (),
        roles: str | Collection[str] = (),
        acr_values: str | Collection[str] | None = None,
        max_age: int | None = None,
    ) -> Callable[[View], View]:
        """The view runs only for a request whose access token has every one of
        ``scopes`` and ``roles`` and, when given, comes from a user authentication of
        one of ``acr_values`` at most ``max_age`` seconds old."""
        requirement = Requirement.of(scopes, roles, acr_values, max_age)

        def decorate(view: View) -> View:
            @functools.wraps(view)
            def guarded(*args: Any, **kwargs: Any) -> Any:
                fields = flask.request.headers.getlist("Authorization")
                try:
                    flask.g.claims = self.authenticate(fields, requirement)
                except TokenError as error:
                    refused = self.refusal(error, requirement)
                    return flask.jsonify(refused.body), refused.status, refused.headers
                return view(*args, **kwargs)

            return guarded  # type: ignore[return-value]

        return decorate
