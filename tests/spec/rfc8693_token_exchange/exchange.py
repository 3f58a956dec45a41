"""A user's access token from the code flow, and the token exchange request (RFC 8693
§2.1) a service makes with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from idp.authn.users import User
from idp.oauth.clients import Client
from tests.support.client_requests import client_credentials, redeem, token_request
from tests.support.flows import code_flow, create_user, register
from tests.support.server import RunningIdp

EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # RFC 8693 §3
REFRESH_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:refresh_token"
BILLING = "https://api.example/billing"
SHIPPING = "https://api.example/shipping"


@dataclass(frozen=True)
class UserToken:
    user: User
    client: Client
    access_token: str


def user_token(idp: RunningIdp) -> UserToken:
    """A fresh user signs in to a fresh public app; its access token."""
    client, _ = register(idp, public=True)
    user = create_user(idp)
    query, verifier = code_flow(idp, client, user)
    response = redeem(idp, client, query["code"], verifier)
    assert response.status_code == 200, response.text
    return UserToken(user, client, response.json()["access_token"])


def exchange_client(idp: RunningIdp, **options: Any) -> tuple[Client, str]:
    options.setdefault("exchange_audiences", [BILLING])
    client, secret = register(idp, grant_types=[EXCHANGE_GRANT], redirect_uris=[], **options)
    assert secret
    return client, secret


def acting_service(idp: RunningIdp) -> tuple[Client, str]:
    """Another service's own client credentials token, to act as the actor."""
    client, secret = register(
        idp, grant_types=["client_credentials"], scope="jobs:run", redirect_uris=[]
    )
    assert secret
    response = client_credentials(idp, client, secret)
    assert response.status_code == 200, response.text
    return client, response.json()["access_token"]


def exchange(
    idp: RunningIdp, client: Client, secret: str, subject_token: str, **params: Any
) -> httpx.Response:
    """Exchange for BILLING by default; pass a parameter as None to leave it out."""
    data = {
        "grant_type": EXCHANGE_GRANT,
        "subject_token": subject_token,
        "subject_token_type": ACCESS_TOKEN_TYPE,
        "audience": BILLING,
        **params,
    }
    return token_request(idp, client, secret, **data)
