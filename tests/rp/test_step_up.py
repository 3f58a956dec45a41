"""The OAuth 2.0 Step-Up Authentication Challenge round trip (RFC 9470), end to end: a
user's access token from a real Tessera sign-in reaches an API route that wants a
recent authentication; once that authentication is too old, the API answers the
challenge with ``max_age``; a new authorization request carrying it makes Tessera ask
the user to sign in again, and the new token reaches the route."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from idp.rp import AsyncProvider
from tests.rp.apis import FRESH, fastapi_app, served_asgi
from tests.rp.test_resource_servers import bearer, challenge_of
from tests.support.client_requests import redeem
from tests.support.flows import Browser, code_flow, create_user
from tests.support.pages import is_login_page
from tests.support.relying_party import ORDERS_API, web_app


@pytest.fixture
def api(idp) -> Iterator[httpx.Client]:
    provider = AsyncProvider(idp.base_url, clock=idp.clock.now)
    with served_asgi(fastapi_app(provider)) as url, httpx.Client(base_url=url, timeout=10) as http:
        yield http


def test_the_step_up_challenge_round_trip__rfc9470_s3_s4(idp, api):
    app = web_app(idp, resources=[ORDERS_API])
    user = create_user(idp)
    with Browser(idp) as browser:
        token = user_access_token(idp, app, user, browser)
        assert api.get("/statement", headers=bearer(token)).status_code == 200

        idp.clock.advance(FRESH + 60)
        refused = api.get("/statement", headers=bearer(token))
        assert refused.status_code == 401
        challenge = challenge_of(refused)
        assert challenge["error"] == "insufficient_user_authentication"
        assert challenge["max_age"] == str(FRESH)

        # RFC 9470 §4: the client asks again with what the challenge named; the SSO
        # session is older than max_age, so Tessera asks the user to sign in again.
        again = browser.authorize(
            response_type="code",
            client_id=app.client_id,
            redirect_uri=app.client.redirect_uris[0],
            scope="openid",
            max_age=challenge["max_age"],
        )
        assert is_login_page(browser.follow(again))
        stepped_up = user_access_token(idp, app, user, browser, max_age=challenge["max_age"])
    assert api.get("/statement", headers=bearer(stepped_up)).status_code == 200


def user_access_token(idp, app, user, browser: Browser, **params: str) -> str:
    """A code flow in ``browser`` for an access token to the orders API."""
    query, verifier = code_flow(
        idp, app.client, user, browser=browser, resource=ORDERS_API, **params
    )
    response = redeem(idp, app.client, query["code"], verifier, app.secret)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])
