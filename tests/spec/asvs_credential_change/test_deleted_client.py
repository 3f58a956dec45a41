"""RFC 7592 §2.3: once a client is deleted (`idp clients delete`), the authorization
server SHOULD invalidate the access tokens issued to it. Tessera's are self-contained,
so they are taken back by a revocation record: refused at UserInfo, and inactive when
a resource server they are meant for introspects them. Other clients' tokens of the
same user are left alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.spec.asvs_credential_change.holdings import (
    PROPAGATION,
    TOKEN_REVOKED,
    Deployment,
)
from tests.support.flows import create_user, register
from tests.support.polling import eventually
from tests.support.relying_party import (
    App,
    is_active,
    is_refused_at_userinfo,
    refresh,
    security_events,
    userinfo,
    web_app,
)
from tests.support.sign_in import sign_in

ORDERS_API = "https://api.example/orders"


@dataclass(frozen=True)
class Deleted:
    deployment: Deployment
    app: App  # the deleted client
    resource_server: App  # registered for ORDERS_API
    neighbour: App  # another client of the same user
    tokens: dict[str, Any]  # the deleted client's, for the issuer (UserInfo)
    api_token: str  # the deleted client's, for ORDERS_API
    neighbours_token: str


@pytest.fixture(scope="module")
def deleted(deployment: Deployment) -> Deleted:
    idp, user = deployment.idp, create_user(deployment.idp)
    app, neighbour = web_app(idp, resources=[ORDERS_API]), web_app(idp)
    server, secret = register(
        idp, grant_types=["client_credentials"], scope="orders:read", resources=[ORDERS_API]
    )
    assert secret is not None
    resource_server = App(server, secret)
    tokens = sign_in(idp, app, user)
    for_api = refresh(idp, app, tokens["refresh_token"], resource=ORDERS_API)
    assert for_api.status_code == 200, for_api.text
    api_token = for_api.json()["access_token"]
    neighbours_token = sign_in(idp, neighbour, user)["access_token"]
    assert userinfo(idp, tokens["access_token"]).status_code == 200
    assert is_active(idp, resource_server, api_token)
    assert userinfo(idp, neighbours_token).status_code == 200

    result = deployment.run("clients", "delete", app.client_id)
    assert result.stdout.strip() == f"deleted {app.client_id}"
    return Deleted(deployment, app, resource_server, neighbour, tokens, api_token, neighbours_token)


def test_deleted_clients_access_tokens_are_refused_at_userinfo__rfc7592_s2_3(deleted):
    idp, token = deleted.deployment.idp, deleted.tokens["access_token"]
    assert eventually(lambda: is_refused_at_userinfo(idp, token), within=PROPAGATION)


def test_deleted_clients_access_tokens_are_inactive_for_their_audience__rfc7592_s2_3(deleted):
    """RFC 7662 §2.2: the resource server the token is meant for sees it inactive."""
    idp, server = deleted.deployment.idp, deleted.resource_server
    assert eventually(lambda: not is_active(idp, server, deleted.api_token), within=PROPAGATION)


def test_other_clients_tokens_of_the_same_user_stay_valid__rfc7592_s2_3(deleted):
    idp, server = deleted.deployment.idp, deleted.resource_server
    # Once the deleted client's token is inactive, the revocation has been read.
    assert eventually(lambda: not is_active(idp, server, deleted.api_token), within=PROPAGATION)
    assert userinfo(idp, deleted.neighbours_token).status_code == 200
    assert is_active(idp, deleted.neighbour, deleted.neighbours_token)


def test_client_deletion_is_recorded_as_a_token_revoked_event__rfc7592_s2_3(deleted):
    events = security_events(deleted.deployment.idp, deleted.app.client_id)
    assert [event["event_type"] for event in events] == [TOKEN_REVOKED], events
    assert events[0]["client_id"] == deleted.app.client_id
    assert events[0]["detail"]["reason"] == "client_deleted"
