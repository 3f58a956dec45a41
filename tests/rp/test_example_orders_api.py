"""examples/orders_api.py, run as its own process with one command against a real
Tessera: each route lets in the tokens that meet its requirement and answers the others
with their challenge, and a token revoked at Tessera (RFC 7009) is refused once the
status list the API follows says so."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from idp.demo.example_app import ORDERS_API_AUDIENCE, ORDERS_API_ORIGIN
from idp.demo.seed import seed_demo
from tests.rp.test_resource_servers import bearer, challenge_of
from tests.rp.tokens import access_claims, signed
from tests.support.databases import database_url
from tests.support.polling import eventually
from tests.support.relying_party import revoke, service_app, service_token
from tests.support.server import free_port, running_idp

EXAMPLE = Path(__file__).parents[2] / "examples" / "orders_api.py"


@pytest.fixture(scope="module")
def api_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="module")
def orders_api(idp, api_url) -> Iterator[httpx.Client]:
    with running_example(idp.issuer, api_url) as http:
        yield http


@contextmanager
def running_example(issuer: str, api_url: str, port: int | None = None) -> Iterator[httpx.Client]:
    """The example as its own process; ``port`` when it is not that of ``api_url``."""
    environment = {**os.environ, "TESSERA_ISSUER": issuer, "ORDERS_API_URL": api_url}
    if port is not None:
        environment["ORDERS_API_PORT"] = str(port)
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLE)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base_url = f"http://127.0.0.1:{port}" if port is not None else api_url
    with httpx.Client(base_url=base_url, timeout=10) as http:
        try:
            assert eventually(lambda: answers(http), within=20), "the example did not start"
            yield http
        finally:
            process.terminate()
            _, errors = process.communicate(timeout=10)
    assert b"Traceback" not in errors, errors.decode()


def answers(http: httpx.Client) -> bool:
    try:
        return http.get("/orders").status_code == 401
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def service(idp, api_url):
    return service_app(idp, resources=[f"{api_url}/orders"])


def token_for(idp, service, api_url, **extra: str) -> str:
    return service_token(idp, service, resource=f"{api_url}/orders", **extra)


def test_a_token_with_the_scope_lists_the_orders(orders_api, idp, service, api_url):
    response = orders_api.get("/orders", headers=bearer(token_for(idp, service, api_url)))
    assert response.status_code == 200, response.text
    assert response.json()["caller"] == service.client_id


def test_placing_an_order_needs_orders_write__rfc6750_s3_1(orders_api, idp, service, api_url):
    reader = token_for(idp, service, api_url, scope="orders:read")
    refused = orders_api.post("/orders", headers=bearer(reader))
    assert refused.status_code == 403
    assert challenge_of(refused) | {"error_description": ""} == {
        "realm": "orders",
        "error": "insufficient_scope",
        "error_description": "",
        "scope": "orders:write",
    }
    writer = token_for(idp, service, api_url)
    assert orders_api.post("/orders", headers=bearer(writer)).status_code == 201


def test_cancelling_an_order_needs_the_clerk_role(orders_api, idp, service, api_url):
    order = orders_api.post("/orders", headers=bearer(token_for(idp, service, api_url))).json()
    claims = access_claims(idp, aud=f"{api_url}/orders", scope="orders:write")
    no_role = orders_api.delete(f"/orders/{order['id']}", headers=bearer(signed(idp, claims)))
    assert no_role.status_code == 403
    clerk = signed(idp, {**claims, "roles": ["clerk"]})
    assert orders_api.delete(f"/orders/{order['id']}", headers=bearer(clerk)).status_code == 204


def test_exporting_needs_a_recent_sign_in__rfc9470_s3(orders_api, idp, service, api_url):
    """A client-credentials token has no user authentication at all."""
    refused = orders_api.get("/orders/export", headers=bearer(token_for(idp, service, api_url)))
    assert refused.status_code == 401
    assert challenge_of(refused)["error"] == "insufficient_user_authentication"
    assert challenge_of(refused)["max_age"] == "300"


def test_a_token_revoked_at_tessera_is_refused__rfc7009(orders_api, idp, service, api_url):
    token = token_for(idp, service, api_url)
    assert orders_api.get("/orders", headers=bearer(token)).status_code == 200
    assert revoke(idp, service, token).status_code == 200
    # The list is rebuilt within 5 s of the change; the API refetches it by its ttl (10 s).
    assert eventually(
        lambda: orders_api.get("/orders", headers=bearer(token)).status_code == 401, within=30
    )
    assert challenge_of(orders_api.get("/orders", headers=bearer(token)))["error"] == (
        "invalid_token"
    )


def test_the_demo_service_client_calls_the_example_as_printed(tmp_path):
    """`idp serve --demo` prints the service client and the token request for the
    example API; the token it gives is one the example takes."""
    with (
        database_url("sqlite", tmp_path) as url,
        running_idp(url, tmp_path, demo=True) as idp,
    ):
        with idp.provider.store() as store:
            printed = seed_demo(store, idp.provider)
        client_id = re.search(r"service client_id: (\S+)", printed)[1]
        secret = re.search(r"service secret: +(\S+)", printed)[1]
        assert f"-d resource={ORDERS_API_AUDIENCE} {idp.issuer}/token" in printed
        token = httpx.post(
            f"{idp.issuer}/token",
            data={"grant_type": "client_credentials", "resource": ORDERS_API_AUDIENCE},
            auth=(client_id, secret),
            timeout=10,
        ).json()["access_token"]
        with running_example(idp.issuer, ORDERS_API_ORIGIN, port=free_port()) as api:
            response = api.get("/orders", headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json()["caller"] == client_id
