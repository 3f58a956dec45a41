"""The registered client the fuzz run authenticates as, the tokens it holds, and
spoiled copies of its credentials."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

from idp.authz.authzen import ACCESS_EVALUATE
from idp.oauth.clients import GrantType
from tests.support.client_requests import post_form
from tests.support.flows import create_user, pkce_pair, register
from tests.support.server import RunningIdp
from tests.support.sign_in import sign_in_for_tokens

# RFC 6749 §2.3: where a client authenticates (this one with client_secret_basic).
CLIENT_AUTHENTICATED = ["/token", "/introspect", "/revoke", "/par", "/device_authorization"]
# RFC 6750 §2.1: the bearer-protected resource.
BEARER_PROTECTED = ["/userinfo"]
# AuthZEN 1.0: the decision API, for client-credentials tokens with access.evaluate (and
# Tessera's policy bundle beside it, for the same callers).
DECISION_API = [
    "/access/v1/evaluation",
    "/access/v1/evaluations",
    "/access/v1/search/action",
    "/access/v1/policy-bundle",
]
# The admin API: a client-credentials token with admin.authz (RFC 9068).
ADMIN_API = r"^/admin/"
RESOURCE = "https://api.example/orders"


@dataclass(frozen=True)
class Credentials:
    """The registered client's secret and the tokens it holds.

    ``userinfo_token`` comes from a session of its own and is only ever sent to
    UserInfo, so that no generated revocation or refresh-token reuse ends it mid-run;
    ``access_token`` and ``refresh_token`` (another session) and ``service_token`` are
    the fuzzer's to introspect, revoke, refresh and exchange. ``admin_token`` is a
    service client's, with admin.authz, for the admin API."""

    client_id: str
    client_secret: str = field(repr=False)
    userinfo_token: str = field(repr=False)
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    service_token: str = field(repr=False)
    evaluator_token: str = field(repr=False)
    device_code: str = field(repr=False)
    code_challenge: str = field(repr=False)
    admin_token: str = field(repr=False)

    def basic(self, secret: str | None = None) -> str:
        pair = f"{self.client_id}:{self.client_secret if secret is None else secret}"
        return "Basic " + base64.b64encode(pair.encode()).decode()

    def bearer(self) -> str:
        return f"Bearer {self.userinfo_token}"

    def evaluator(self) -> str:
        return f"Bearer {self.evaluator_token}"

    def admin(self) -> str:
        return f"Bearer {self.admin_token}"

    def valid(self, path: str) -> str:
        """The Authorization header the auth providers put on requests to ``path``."""
        if path in DECISION_API:
            return self.evaluator()
        if is_admin_api(path):
            return self.admin()
        return self.bearer() if path in BEARER_PROTECTED else self.basic()

    def spoiled(self, path: str) -> dict[str, str | None]:
        """Authorization headers that must be refused, by what is wrong with them."""
        if path in DECISION_API:
            return _spoiled_bearer(self.evaluator_token) | {"a user's token": self.bearer()}
        if is_admin_api(path):
            return _spoiled_bearer(self.admin_token) | {
                "a user's token": self.bearer(),
                "client credentials": self.basic(),
            }
        if path in BEARER_PROTECTED:
            return _spoiled_bearer(self.userinfo_token) | {"client credentials": self.basic()}
        return {
            "missing": None,
            "wrong secret": self.basic("wrong-secret"),
            "not base64": "Basic not-base64!",
            "bearer instead": self.bearer(),
        }


def _spoiled_bearer(token: str) -> dict[str, str | None]:
    header, payload, signature = token.split(".")
    forged = "A" if signature[0] != "A" else "B"
    return {
        "missing": None,
        "not a JWT": "Bearer not-a-jwt",
        "forged signature": f"Bearer {header}.{payload}.{forged}{signature[1:]}",
    }


def is_admin_api(path: str) -> bool:
    return re.match(ADMIN_API, path) is not None


def issue_credentials(idp: RunningIdp) -> Credentials:
    """A first-party confidential client allowed every grant; tokens from two sign-ins
    of its user, client-credentials tokens for the resource and for the decision API, a
    pending device code."""
    client, secret = register(
        idp,
        grant_types=[grant.value for grant in GrantType],
        scope=f"openid profile email offline_access {ACCESS_EVALUATE}",
        resources=[RESOURCE],
        exchange_audiences=[RESOURCE],
        first_party=True,
    )
    assert secret is not None
    basic = (client.client_id, secret)
    user = create_user(idp)

    def sign_in() -> dict[str, Any]:
        return sign_in_for_tokens(idp, client, secret, user, scope="openid profile offline_access")

    def post(path: str, **form: str) -> dict[str, Any]:
        response = post_form(idp, path, form, auth=basic)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    for_userinfo, for_fuzzing = sign_in(), sign_in()
    service = post("/token", grant_type="client_credentials", resource=RESOURCE)
    evaluator = post("/token", grant_type="client_credentials", scope=ACCESS_EVALUATE)
    device = post("/device_authorization", scope="openid")
    administrator, admin_secret = register(
        idp, grant_types=["client_credentials"], scope="admin.authz", resources=[]
    )
    assert admin_secret is not None
    admin = post_form(
        idp,
        "/token",
        {"grant_type": "client_credentials"},
        auth=(administrator.client_id, admin_secret),
    )
    assert admin.status_code == 200, admin.text
    return Credentials(
        client_id=client.client_id,
        client_secret=secret,
        userinfo_token=for_userinfo["access_token"],
        access_token=for_fuzzing["access_token"],
        refresh_token=for_fuzzing["refresh_token"],
        service_token=service["access_token"],
        evaluator_token=evaluator["access_token"],
        device_code=device["device_code"],
        code_challenge=pkce_pair()[1],
        admin_token=admin.json()["access_token"],
    )
