"""Retries that arrive together (RFC 9700 §4.14.2 with a grace period): a client that
sends the same refresh token several times at once, before any answer came back,
gets one rotation, and every request the same new tokens; none of them counts as
reuse. On SQLite and on PostgreSQL, where concurrent uses of one user's tokens queue
on a lock."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.support.relying_party import refresh, refreshed, userinfo_status, web_app
from tests.support.sign_in import sign_in

RETRIES = 6


def refresh_together(idp, app, *refresh_tokens: str) -> list[httpx.Response]:
    """``RETRIES`` refresh requests with each token, all released at the same moment."""
    tokens = [token for token in refresh_tokens for _ in range(RETRIES)]
    start = threading.Barrier(len(tokens))

    def one(token: str) -> httpx.Response:
        start.wait(timeout=30)
        return refresh(idp, app, token)

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(one, tokens))


def test_concurrent_uses_within_the_grace_all_get_the_same_tokens__rfc9700_s4_14_2(
    idp_on_each_backend,
):
    idp = idp_on_each_backend
    app = web_app(idp, refresh_token_grace_period=30)
    first = sign_in(idp, app)

    responses = refresh_together(idp, app, first["refresh_token"])

    assert [response.status_code for response in responses] == [200] * RETRIES, [
        response.text for response in responses
    ]
    bodies = [response.json() for response in responses]
    assert len({body["refresh_token"] for body in bodies}) == 1
    assert len({body["access_token"] for body in bodies}) == 1
    assert bodies[0]["refresh_token"] != first["refresh_token"]
    # Nothing was revoked: the new tokens work.
    assert userinfo_status(idp, bodies[0]["access_token"]) == 200
    assert refreshed(idp, app, bodies[0]["refresh_token"])["refresh_token"]


def test_concurrent_retries_after_a_rotation_all_get_its_tokens__rfc9700_s4_14_2(
    idp_on_each_backend,
):
    idp = idp_on_each_backend
    app = web_app(idp, refresh_token_grace_period=30)
    first = sign_in(idp, app)
    second = refreshed(idp, app, first["refresh_token"])

    responses = refresh_together(idp, app, first["refresh_token"])

    assert [response.status_code for response in responses] == [200] * RETRIES, [
        response.text for response in responses
    ]
    assert {response.json()["refresh_token"] for response in responses} == {second["refresh_token"]}
    assert userinfo_status(idp, second["access_token"]) == 200


def test_concurrent_reuse_without_a_grace_is_refused_every_time__rfc9700_s4_14_2(
    idp_on_each_backend,
):
    """Without a grace period the same retries are reuse: each one, of either rotated
    token, is refused with invalid_grant (none fails with a server error while they
    all revoke the same family and session at once), and the family is gone."""
    idp = idp_on_each_backend
    app = web_app(idp)
    first = sign_in(idp, app)
    second = refreshed(idp, app, first["refresh_token"])
    third = refreshed(idp, app, second["refresh_token"])

    responses = refresh_together(idp, app, first["refresh_token"], second["refresh_token"])

    assert [(response.status_code, response.json()["error"]) for response in responses] == [
        (400, "invalid_grant")
    ] * (2 * RETRIES), [response.text for response in responses]
    assert refresh(idp, app, third["refresh_token"]).json()["error"] == "invalid_grant"
