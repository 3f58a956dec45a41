"""Service-to-service against a real Tessera: the client credentials token (RFC 6749
§4.4) held and reused by the SDK, one request for many callers, and token exchange
(RFC 8693) validated by the SDK itself. This module moves the server clock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import httpx
import pytest

from idp.rp import AsyncProvider, Provider, ProviderUnavailable
from idp.rp.errors import TokenRequestFailed
from idp.rp.token_exchange import ACCESS_TOKEN_TYPE
from tests.rp.transports import Switchable
from tests.support.client_requests import redeem
from tests.support.flows import code_flow, create_user, register
from tests.support.race import all_at_once
from tests.support.relying_party import ORDERS_API, App, service_app

EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
BILLING = "https://api.example/billing"
SHIPPING = "https://api.example/shipping"
CALLERS = 20


class CountingAsync(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return await super().handle_async_request(request)


@pytest.fixture
def transport() -> Switchable:
    return Switchable()


@pytest.fixture
def counted(idp, transport) -> Iterator[Provider]:
    """The SDK on the server's (movable) clock, every request it sends recorded."""
    with (
        httpx.Client(transport=transport) as http,
        Provider(idp.base_url, http=http, clock=idp.clock.now) as sdk,
    ):
        yield sdk


@pytest.fixture
def app(idp) -> App:
    return service_app(idp)


def token_requests(transport: Switchable) -> int:
    return len([request for request in transport.sent_to("/token") if request.method == "POST"])


def test_the_token_validates_for_its_resource_and_scope__rfc6749_s4_4(counted, app):
    service = counted.client_credentials(
        app.client_id, app.secret, scope="orders:read", resource=ORDERS_API
    )
    claims = counted.validate_access_token(
        service.access_token(), audience=ORDERS_API, scopes="orders:read"
    )
    assert claims["client_id"] == claims.subject == app.client_id
    assert claims.scopes == {"orders:read"}
    assert claims.audiences == (ORDERS_API,)


def test_the_token_is_reused_then_refreshed_before_it_expires(idp, counted, transport, app):
    service = counted.client_credentials(app.client_id, app.secret, resource=ORDERS_API)
    first = service.access_token()
    assert service.access_token() == first
    assert token_requests(transport) == 1
    claims = counted.validate_access_token(first, audience=ORDERS_API)
    refresh_at = claims["exp"] - 60  # the default refresh_before: 60 s < half of 600 s
    idp.clock.advance(refresh_at - idp.clock.now() - 2)
    assert service.access_token() == first
    assert token_requests(transport) == 1
    idp.clock.advance(3)
    second = service.access_token()
    assert second != first
    assert token_requests(transport) == 2
    assert counted.validate_access_token(second, audience=ORDERS_API)["exp"] > claims["exp"]


def test_refresh_before_is_at_most_half_the_lifetime(idp, counted, transport, app):
    service = counted.client_credentials(
        app.client_id, app.secret, resource=ORDERS_API, refresh_before=10_000
    )
    first = service.access_token()
    claims = counted.validate_access_token(first, audience=ORDERS_API)
    halfway = (claims["exp"] - claims["iat"]) // 2
    idp.clock.advance(halfway - 2)
    assert service.access_token() == first
    idp.clock.advance(3)
    assert service.access_token() != first
    assert token_requests(transport) == 2


def test_a_provider_gone_during_the_refresh_window_leaves_the_held_token_in_use(
    idp, counted, transport, app
):
    service = counted.client_credentials(app.client_id, app.secret, resource=ORDERS_API)
    first = service.access_token()
    expires_at = counted.validate_access_token(first, audience=ORDERS_API)["exp"]
    transport.turn_off("/token")
    idp.clock.advance(expires_at - idp.clock.now() - 30)
    assert service.access_token() == first  # the refresh failed: logged, not raised
    assert service.access_token() == first  # and is not tried again per call
    assert len(transport.refused) == 1
    idp.clock.advance(30)
    with pytest.raises(ProviderUnavailable):
        service.access_token()  # expired: never handed out
    transport.turn_on("/token")
    assert service.access_token() != first


def test_many_threads_at_once_cause_one_token_request(counted, transport, app):
    service = counted.client_credentials(app.client_id, app.secret)
    tokens = all_at_once([service.access_token] * CALLERS)
    assert len(set(tokens)) == 1
    assert token_requests(transport) == 1


def test_many_tasks_at_once_cause_one_token_request(idp, app):
    transport = CountingAsync()

    async def main() -> list[str]:
        async with (
            httpx.AsyncClient(transport=transport) as http,
            AsyncProvider(idp.base_url, http=http, clock=idp.clock.now) as sdk,
        ):
            service = sdk.client_credentials(app.client_id, app.secret, resource=ORDERS_API)
            tokens = await asyncio.gather(*(service.access_token() for _ in range(CALLERS)))
            await sdk.validate_access_token(tokens[0], audience=ORDERS_API)
            return tokens

    tokens = asyncio.run(main())
    assert len(set(tokens)) == 1
    assert [request.url.path for request in transport.sent if request.method == "POST"] == [
        "/token"
    ]


def test_a_wrong_secret_is_invalid_client_and_never_shown__rfc6749_s5_2(
    counted, app, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG, logger="idp.rp")
    wrong = "not-the-secret-" + app.secret[::-1]
    service = counted.client_credentials(app.client_id, wrong)
    with pytest.raises(TokenRequestFailed) as refused:
        service.access_token()
    assert refused.value.error == "invalid_client"
    shown = [str(refused.value), repr(refused.value), repr(service), caplog.text]
    assert app.client_id in repr(service)
    assert not [text for text in shown if wrong in text]


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"scope": "orders:delete"}, "invalid_scope"),
        ({"resource": "https://api.example/billing"}, "invalid_target"),  # RFC 8707 §2
    ],
)
def test_what_the_client_may_not_ask_is_refused__rfc6749_s5_2(counted, app, options, error):
    with pytest.raises(TokenRequestFailed) as refused:
        counted.client_credentials(app.client_id, app.secret, **options).access_token()
    assert refused.value.error == error


def test_invalidate_forgets_the_held_token_only(counted, transport, app):
    service = counted.client_credentials(app.client_id, app.secret)
    first = service.access_token()
    service.invalidate(first)  # the API said 401
    second = service.access_token()
    assert second != first
    service.invalidate(first)  # another caller's late 401 for the old one
    assert service.access_token() == second
    assert token_requests(transport) == 2


# Token exchange (RFC 8693).


def user_access_token(idp) -> tuple[str, str]:
    """A fresh user signs in to a fresh public app: the user's id and access token."""
    client, _ = register(idp, public=True)
    user = create_user(idp)
    query, verifier = code_flow(idp, client, user)
    response = redeem(idp, client, query["code"], verifier)
    assert response.status_code == 200, response.text
    return user.id, response.json()["access_token"]


def exchanging_app(idp) -> App:
    """A service allowed to exchange tokens for BILLING (its exchange policy)."""
    client, secret = register(
        idp, grant_types=[EXCHANGE_GRANT], redirect_uris=[], exchange_audiences=[BILLING]
    )
    assert secret is not None
    return App(client, secret)


def test_an_exchanged_token_is_for_the_new_audience_with_act__rfc8693_s2_2_1(provider, idp):
    user_id, subject_token = user_access_token(idp)
    exchanger = exchanging_app(idp)
    issued = provider.exchange_token(
        subject_token,
        client_id=exchanger.client_id,
        client_secret=exchanger.secret,
        audience=BILLING,
        scope="profile",
    )
    assert (issued.issued_token_type, issued.token_type) == (ACCESS_TOKEN_TYPE, "Bearer")
    assert issued.expires_in is not None
    assert issued.expires_in > 0
    assert issued.scope == "profile"
    assert issued.access_token not in repr(issued)
    claims = provider.validate_access_token(issued.access_token, audience=BILLING)
    assert claims.subject == user_id
    assert claims.audiences == (BILLING,)
    assert claims.scopes == {"profile"}
    assert claims["act"] == {"sub": exchanger.client_id}  # RFC 8693 §4.1


def test_an_actor_token_names_the_actor__rfc8693_s4_1(provider, idp):
    user_id, subject_token = user_access_token(idp)
    actor = service_app(idp)
    actor_token = provider.client_credentials(actor.client_id, actor.secret).access_token()
    exchanger = exchanging_app(idp)
    issued = provider.exchange_token(
        subject_token,
        client_id=exchanger.client_id,
        client_secret=exchanger.secret,
        resource=BILLING,
        actor_token=actor_token,
    )
    claims = provider.validate_access_token(issued.access_token, audience=BILLING)
    assert claims.subject == user_id
    assert claims["act"] == {"sub": actor.client_id}


def test_an_exchange_with_asyncio_is_the_same__rfc8693_s2_2_1(idp):
    user_id, subject_token = user_access_token(idp)
    exchanger = exchanging_app(idp)

    async def main() -> dict:
        async with AsyncProvider(idp.base_url, clock=idp.clock.now) as sdk:
            issued = await sdk.exchange_token(
                subject_token,
                client_id=exchanger.client_id,
                client_secret=exchanger.secret,
                audience=BILLING,
            )
            return await sdk.validate_access_token(issued.access_token, audience=BILLING)

    claims = asyncio.run(main())
    assert (claims.subject, claims["act"]) == (user_id, {"sub": exchanger.client_id})


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"audience": SHIPPING}, "invalid_target"),  # outside the policy, §2.2.2
        ({"subject_token": "not.a-token.at-all"}, "invalid_request"),  # §2.2.2
        ({"scope": "openid billing:admin"}, "invalid_scope"),  # wider than the subject's
        ({"client_secret": "wrong"}, "invalid_client"),
    ],
)
def test_a_refused_exchange_is_typed__rfc8693_s2_2_2(provider, idp, change, error):
    _, subject_token = user_access_token(idp)
    exchanger = exchanging_app(idp)
    request = {
        "subject_token": subject_token,
        "client_id": exchanger.client_id,
        "client_secret": exchanger.secret,
        "audience": BILLING,
        **change,
    }
    with pytest.raises(TokenRequestFailed) as refused:
        provider.exchange_token(**request)
    assert refused.value.error == error
    assert subject_token not in str(refused.value)
    assert exchanger.secret not in str(refused.value)


def test_a_service_without_the_exchange_grant_is_unauthorized_client(provider, idp, app):
    _, subject_token = user_access_token(idp)
    with pytest.raises(TokenRequestFailed) as refused:
        provider.exchange_token(
            subject_token, client_id=app.client_id, client_secret=app.secret, audience=BILLING
        )
    assert refused.value.error == "unauthorized_client"
