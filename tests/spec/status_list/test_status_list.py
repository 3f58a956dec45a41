"""Token status lists (draft-ietf-oauth-status-list-20): every access token points into a
list (§6.2), the list is a signed Status List Token (§5.1) with two bits per token
(§4), served with caching headers, and it says what was taken back."""

from __future__ import annotations

import itertools

import httpx
import pytest

from idp.revocation.events import OPERATOR
from idp.revocation.status_list import Status, decode
from idp.revocation.suspensions import SuspendedKind
from tests.support.assertions import assert_oauth_error, claims_of
from tests.support.client_requests import post_form
from tests.support.flows import Browser, create_user
from tests.support.polling import eventually
from tests.support.relying_party import is_active, revoke, service_app, service_token, web_app
from tests.support.sign_in import sign_in
from tests.support.status_lists import (
    fetch_status_list,
    status_list_claims,
    status_of,
    status_reference,
)

# A built list is served for up to a second before anything new shows
# (idp.revocation.status_publication.REBUILD_AFTER).
SHOWS_WITHIN = 5.0


def test_access_token_carries_a_status_list_reference__s6_2(idp):
    app = service_app(idp)
    uri, idx = status_reference(service_token(idp, app))
    assert uri.startswith(f"{idp.issuer}/statuslists/")
    assert isinstance(idx, int)
    assert idx >= 0


def test_status_list_token_is_signed_and_names_itself__s5_1(idp):
    uri, _ = status_reference(service_token(idp, service_app(idp)))
    response = fetch_status_list(idp, uri)
    assert response.headers["content-type"] == "application/statuslist+jwt"  # §8.2
    claims = status_list_claims(idp, response, uri)
    assert claims["iat"] <= idp.clock.now() < claims["exp"]
    assert claims["ttl"] == idp.settings.status_list_ttl
    assert claims["exp"] - claims["iat"] == 10 * claims["ttl"]
    assert claims["status_list"]["bits"] == 2
    size = idp.settings.status_list_size
    assert len(decode(claims["status_list"]["lst"], size)) == size


def test_a_new_token_is_valid__s7_1(idp):
    assert status_of(idp, service_token(idp, service_app(idp))) is Status.VALID


def test_indexes_are_distinct_and_not_sequential__s12_5_1(idp):
    app = service_app(idp)
    references = [status_reference(service_token(idp, app)) for _ in range(40)]
    assert len(set(references)) == len(references)
    indexes = [idx for _, idx in references]
    steps = {later - earlier for earlier, later in itertools.pairwise(indexes)}
    assert steps != {1}
    assert indexes != sorted(indexes)


def test_revoked_access_token_is_invalid__rfc7009_s2_1(idp):
    app = service_app(idp)
    token = service_token(idp, app)
    other = service_token(idp, app)
    assert revoke(idp, app, token).status_code == 200
    assert eventually(lambda: status_of(idp, token) is Status.INVALID, SHOWS_WITHIN)
    assert status_of(idp, other) is Status.VALID


def test_logout_makes_every_token_of_the_session_invalid(idp):
    app = web_app(idp, post_logout_redirect_uris=["https://app.example/bye"])
    with Browser(idp) as browser:
        tokens = sign_in(idp, app, create_user(idp), browser=browser)
        assert status_of(idp, tokens["access_token"]) is Status.VALID
        response = browser.http.get(
            "/logout",
            params={
                "id_token_hint": tokens["id_token"],
                "post_logout_redirect_uri": "https://app.example/bye",
            },
        )
    assert response.status_code == 302, response.text
    assert eventually(
        lambda: status_of(idp, tokens["access_token"]) is Status.INVALID, SHOWS_WITHIN
    )


def _suspend(idp, kind: SuspendedKind, value: str) -> None:
    with idp.provider.store() as store:
        assert idp.provider.revoker(store, OPERATOR).suspend(kind, value, reason="test")


def _lift(idp, kind: SuspendedKind, value: str) -> None:
    with idp.provider.store() as store:
        assert idp.provider.revoker(store, OPERATOR).lift_suspension(kind, value)


def test_suspending_a_client_suspends_its_tokens_until_lifted__s7_1(idp):
    app = service_app(idp)
    token = service_token(idp, app)
    assert is_active(idp, app, token)
    _suspend(idp, SuspendedKind.CLIENT, app.client_id)
    assert eventually(lambda: status_of(idp, token) is Status.SUSPENDED, SHOWS_WITHIN)
    assert not is_active(idp, app, token)
    refused = post_form(idp, "/token", {"grant_type": "client_credentials"}, auth=app.auth)
    assert_oauth_error(refused, "unauthorized_client")
    _lift(idp, SuspendedKind.CLIENT, app.client_id)
    assert eventually(lambda: status_of(idp, token) is Status.VALID, SHOWS_WITHIN)
    assert is_active(idp, app, token)
    assert status_of(idp, service_token(idp, app)) is Status.VALID


def test_suspending_a_user_suspends_their_tokens_until_lifted(idp):
    app = web_app(idp)
    tokens = sign_in(idp, app)
    subject = claims_of(tokens["access_token"])["sub"]
    _suspend(idp, SuspendedKind.SUBJECT, subject)
    assert eventually(
        lambda: status_of(idp, tokens["access_token"]) is Status.SUSPENDED, SHOWS_WITHIN
    )
    refreshed = post_form(
        idp,
        "/token",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=app.auth,
    )
    assert_oauth_error(refreshed, "invalid_grant")
    _lift(idp, SuspendedKind.SUBJECT, subject)
    assert eventually(lambda: status_of(idp, tokens["access_token"]) is Status.VALID, SHOWS_WITHIN)
    # The refused refresh used nothing up: the same refresh token works once lifted.
    again = post_form(
        idp,
        "/token",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=app.auth,
    )
    assert again.status_code == 200, again.text


def test_unchanged_list_is_not_modified__rfc9110_s13_1_2(idp):
    uri, _ = status_reference(service_token(idp, service_app(idp)))
    first = fetch_status_list(idp, uri)
    assert first.status_code == 200
    assert first.headers["cache-control"] == f"public, max-age={idp.settings.status_list_ttl}"
    etag = first.headers["etag"]
    again = fetch_status_list(idp, uri, **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    assert again.content == b""


def test_a_revocation_changes_the_etag(idp):
    app = service_app(idp)
    token = service_token(idp, app)
    uri, _ = status_reference(token)
    etag = fetch_status_list(idp, uri).headers["etag"]
    assert revoke(idp, app, token).status_code == 200
    assert eventually(
        lambda: fetch_status_list(idp, uri, **{"If-None-Match": etag}).status_code == 200,
        SHOWS_WITHIN,
    )


@pytest.mark.parametrize("accept", ["application/statuslist+jwt", "application/*", "*/*"])
def test_accept_allowing_the_jwt_form_gets_it__s8_2(idp, accept):
    uri, _ = status_reference(service_token(idp, service_app(idp)))
    assert fetch_status_list(idp, uri, Accept=accept).status_code == 200


@pytest.mark.parametrize(
    "accept", ["application/statuslist+cwt", "text/html", "application/statuslist+jwt;q=0"]
)
def test_accept_refusing_the_jwt_form_is_406__rfc9110_s15_5_7(idp, accept):
    uri, _ = status_reference(service_token(idp, service_app(idp)))
    response = fetch_status_list(idp, uri, Accept=accept)
    assert_oauth_error(response, "invalid_request", 406)


def test_historical_request_is_not_implemented__s8_4(idp):
    uri, _ = status_reference(service_token(idp, service_app(idp)))
    response = httpx.get(idp.base_url + uri.removeprefix(idp.issuer), params={"time": "1"})
    assert_oauth_error(response, "invalid_request", 501)


@pytest.mark.parametrize(
    "path", ["/statuslists/999999", "/statuslists/2147483647", "/statuslists/2147483648"]
)
def test_unknown_list_is_404(idp, path):
    response = httpx.get(idp.base_url + path)
    assert response.status_code in (400, 404)
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("path", ["/statuslists/0", "/statuslists/-1", "/statuslists/x"])
def test_malformed_list_id_is_400(idp, path):
    assert_oauth_error(httpx.get(idp.base_url + path), "invalid_request", 400)


def test_aggregation_lists_every_list__s9_3(idp):
    uri, _ = status_reference(service_token(idp, service_app(idp)))
    metadata = httpx.get(f"{idp.base_url}/.well-known/openid-configuration").json()
    assert metadata["status_list_aggregation_endpoint"] == f"{idp.issuer}/statuslists"
    response = httpx.get(f"{idp.base_url}/statuslists")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert uri in response.json()["status_lists"]


def test_any_origin_may_read_a_list__s8_1(idp):
    uri, _ = status_reference(service_token(idp, service_app(idp)))
    response = fetch_status_list(idp, uri, Origin="https://wallet.example")
    assert response.headers["access-control-allow-origin"] == "*"
    assert "ETag" in response.headers["access-control-expose-headers"]
