"""An admin API caller's side: a service client with the admin.authz scope, its
client-credentials token, calls under /admin/v1, and what an RFC 9457 problem must
look like."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.relying_party import App, service_app, service_token
from tests.support.server import RunningIdp

ADMIN_AUTHZ = "admin.authz"
PROBLEM_JSON = "application/problem+json"
TIMEOUT = 30


@dataclass(frozen=True)
class Admin:
    """A service client allowed the admin API, and a token it got with client
    credentials; ``call`` talks to the admin API with it."""

    idp: RunningIdp
    app: App
    token: str

    @property
    def client_id(self) -> str:
        return self.app.client_id

    def call(self, method: str, path: str, **options: Any) -> httpx.Response:
        return admin_call(self.idp, method, path, self.token, **options)


def admin(idp: RunningIdp, scope: str = ADMIN_AUTHZ) -> Admin:
    app = service_app(idp, scope=scope, resources=[])
    return Admin(idp, app, service_token(idp, app))


def admin_call(
    idp: RunningIdp, method: str, path: str, token: str | None, **options: Any
) -> httpx.Response:
    headers = dict(options.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.request(
        method, f"{idp.base_url}/admin/v1{path}", headers=headers, timeout=TIMEOUT, **options
    )


def assert_problem(
    response: httpx.Response, status: int, problem_type: str = "about:blank"
) -> dict[str, Any]:
    """RFC 9457 §3: application/problem+json with type, title, status (the response's)
    and instance; detail, unless the request carried no credentials (RFC 6750 §3.1)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["cache-control"] == "no-store"
    problem: dict[str, Any] = response.json()
    assert problem["type"] == problem_type
    assert problem["status"] == status
    assert isinstance(problem["title"], str)
    assert problem["title"]
    assert problem["instance"] == response.request.url.path
    return problem
