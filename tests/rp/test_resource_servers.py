"""The SDK's framework integrations over HTTP: a FastAPI dependency, an ASGI middleware
(in a Starlette app) and a Flask decorator, each protecting the same routes
(tests/rp/apis.py) with tokens of a real Tessera, each answering the same way: the
claims when the token meets the route's requirement, else the RFC 6750 §3 challenge
(401 invalid_token, 400 invalid_request, 403 insufficient_scope) or the RFC 9470 §3
step-up challenge (401 insufficient_user_authentication with acr_values and max_age)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from idp.rp import AsyncProvider, Provider
from tests.rp.apis import (
    FRESH,
    MFA,
    fastapi_app,
    flask_app,
    served_asgi,
    served_wsgi,
    starlette_app,
)
from tests.rp.tokens import access_claims, hand_made, signed
from tests.support.relying_party import ORDERS_API, service_app, service_token
from tests.support.server import free_port

FRAMEWORKS = ["fastapi", "starlette", "flask"]


@pytest.fixture(scope="module", params=FRAMEWORKS)
def api(request: pytest.FixtureRequest, idp) -> Iterator[httpx.Client]:
    """An HTTP client of the API served by one framework, on the real server's keys."""
    if request.param == "flask":
        with (
            Provider(idp.base_url, clock=idp.clock.now) as provider,
            served_wsgi(flask_app(provider)) as url,
            httpx.Client(base_url=url, timeout=10) as http,
        ):
            yield http
        return
    build = fastapi_app if request.param == "fastapi" else starlette_app
    provider = AsyncProvider(idp.base_url, clock=idp.clock.now)
    with served_asgi(build(provider)) as url, httpx.Client(base_url=url, timeout=10) as http:
        yield http


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def challenge_of(response: httpx.Response) -> dict[str, str]:
    """The auth-params of a ``Bearer`` challenge (values without quotes or commas)."""
    scheme, _, rest = response.headers["www-authenticate"].partition(" ")
    assert scheme == "Bearer"
    pairs = (part.strip().split("=", 1) for part in rest.split('", ') if part.strip())
    return {name: value.strip('"') for name, value in pairs}


@pytest.fixture(scope="module")
def token(idp) -> str:
    """A client-credentials token of the server, scopes orders:read orders:write."""
    return service_token(idp, service_app(idp), resource=ORDERS_API)


def user_token(idp, **claims) -> str:
    """An access token as one issued to a user, with ``claims`` (roles, acr, ...)."""
    return signed(idp, access_claims(idp, sub="user-1", **claims))


# --- accepted ----------------------------------------------------------------------------


def test_a_token_with_the_scope_reaches_the_route(api, token):
    response = api.get("/orders", headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json()["sub"]


def test_the_scheme_name_is_case_insensitive__rfc9110_s11_1(api, token):
    assert api.get("/orders", headers={"Authorization": f"bearer {token}"}).status_code == 200


def test_a_token_with_the_scope_and_the_role_reaches_the_route(api, idp):
    token = user_token(idp, scope="orders:write", roles=["clerk", "viewer"])
    assert api.delete("/orders", headers=bearer(token)).json() == {"sub": "user-1"}


def test_a_fresh_strong_authentication_reaches_the_route__rfc9470(api, idp):
    now = idp.clock.now()
    token = user_token(idp, acr=MFA, auth_time=now - 10)
    assert api.get("/payments", headers=bearer(token)).status_code == 200


# --- RFC 6750 §3.1 -----------------------------------------------------------------------


def test_no_token_is_a_challenge_without_an_error_code__rfc6750_s3_1(api):
    response = api.get("/orders")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="orders"'
    assert response.headers["cache-control"] == "no-store"
    assert "error" not in response.json()


def test_another_scheme_is_as_no_token__rfc6750_s3_1(api):
    response = api.get("/orders", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401
    assert "error" not in challenge_of(response)


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer to<ken>", 'Bearer "quoted"'])
def test_a_malformed_bearer_header_is_invalid_request__rfc6750_s2_1(api, header):
    response = api.get("/orders", headers={"Authorization": header})
    assert response.status_code == 400
    assert challenge_of(response)["error"] == "invalid_request"


def test_two_authorization_headers_are_invalid_request__rfc6750_s3_1(api, token):
    headers = [("Authorization", f"Bearer {token}"), ("Authorization", f"Bearer {token}")]
    response = api.get("/orders", headers=headers)
    assert response.status_code == 400
    assert challenge_of(response)["error"] == "invalid_request"


@pytest.mark.parametrize(
    "change",
    [
        {"exp": 1},
        {"aud": "https://api.example/other"},
        {"iss": "https://idp.example"},
    ],
    ids=["expired", "another-audience", "another-issuer"],
)
def test_a_token_the_sdk_refuses_is_invalid_token__rfc6750_s3_1(api, idp, change):
    token = signed(idp, access_claims(idp, **change))
    response = api.get("/orders", headers=bearer(token))
    assert response.status_code == 401
    challenge = challenge_of(response)
    assert challenge["realm"] == "orders"
    assert challenge["error"] == "invalid_token"
    assert challenge["error_description"]
    assert token not in response.text


def test_a_forged_signature_is_invalid_token(api, token):
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = api.get("/orders", headers=bearer(forged))
    assert response.status_code == 401
    assert challenge_of(response)["error"] == "invalid_token"


def test_a_token_without_the_scope_is_insufficient_scope__rfc6750_s3_1(api, idp):
    token = user_token(idp, scope="orders:read", roles=["clerk"])
    response = api.delete("/orders", headers=bearer(token))
    assert response.status_code == 403
    challenge = challenge_of(response)
    assert challenge["error"] == "insufficient_scope"
    assert challenge["scope"] == "orders:write"


@pytest.mark.parametrize("roles", [None, [], ["viewer"]], ids=["no-claim", "none", "other"])
def test_a_token_without_the_role_is_insufficient_scope(api, idp, roles):
    token = user_token(idp, scope="orders:write", roles=roles)
    response = api.delete("/orders", headers=bearer(token))
    assert response.status_code == 403
    challenge = challenge_of(response)
    assert challenge["error"] == "insufficient_scope"
    assert "scope" not in challenge  # the token has the route's scopes: a role is missing
    assert "clerk" in response.json().get("error_description", response.json().get("detail"))


def test_roles_that_are_not_a_list_of_strings_are_invalid_token(api, idp):
    token = user_token(idp, scope="orders:write", roles="clerk")
    assert challenge_of(api.delete("/orders", headers=bearer(token)))["error"] == "invalid_token"


# --- RFC 9470 §3 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "claims",
    [
        {"acr": "urn:tessera:acr:pwd", "auth_time": 0},
        {"auth_time": 0},
        {"acr": MFA, "auth_time": -FRESH - 60},
        {"acr": MFA},
    ],
    ids=["weaker-acr", "no-acr", "too-old", "no-auth-time"],
)
def test_a_weak_or_old_authentication_is_the_step_up_challenge__rfc9470_s3(api, idp, claims):
    now = idp.clock.now()
    if "auth_time" in claims:
        claims = {**claims, "auth_time": now + claims["auth_time"]}
    response = api.get("/payments", headers=bearer(user_token(idp, **claims)))
    assert response.status_code == 401
    challenge = challenge_of(response)
    assert challenge["error"] == "insufficient_user_authentication"
    assert challenge["acr_values"] == MFA
    assert challenge["max_age"] == str(FRESH)


# --- not the token's fault ---------------------------------------------------------------


def test_the_health_route_needs_no_token(idp, request):
    """The middleware's exempt path (only the Starlette app has one)."""
    provider = AsyncProvider(idp.base_url, clock=idp.clock.now)
    with served_asgi(starlette_app(provider)) as url:
        assert httpx.get(f"{url}/health", timeout=10).json() == {"ok": True}
        assert httpx.get(f"{url}/orders", timeout=10).status_code == 401


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_provider_out_of_reach_is_503_with_retry_after(framework):
    """Not the token's fault: no challenge, and the client may come back (RFC 9110
    §15.6.4, §10.2.3)."""
    issuer = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with ExitStack() as stack:
        if framework == "flask":
            provider = stack.enter_context(Provider(issuer, timeout=2))
            url = stack.enter_context(served_wsgi(flask_app(provider)))
        else:
            build = fastapi_app if framework == "fastapi" else starlette_app
            url = stack.enter_context(served_asgi(build(AsyncProvider(issuer, timeout=2))))
        token = hand_made({"alg": "ES256", "kid": "k", "typ": "at+jwt"}, {"sub": "x"})
        response = httpx.get(f"{url}/orders", headers=bearer(token), timeout=10)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "www-authenticate" not in response.headers
    assert "cannot be checked now" in response.text
    assert "discovery" not in response.text  # what failed inside is for the log


def test_a_websocket_handshake_needs_the_token_too__rfc6455_s4_2_2(idp, token):
    """The middleware closes a refused handshake (1008), which the server answers with
    403; a handshake with the token is accepted and the endpoint sees its claims."""
    provider = AsyncProvider(idp.base_url, clock=idp.clock.now)
    with served_asgi(starlette_app(provider)) as url:
        feed = url.replace("http://", "ws://") + "/feed"
        with pytest.raises(InvalidStatus) as refused:
            connect(feed, open_timeout=10).close()
        assert refused.value.response.status_code == 403
        with connect(feed, additional_headers=bearer(token), open_timeout=10) as websocket:
            assert json.loads(websocket.recv(timeout=10))["sub"]
