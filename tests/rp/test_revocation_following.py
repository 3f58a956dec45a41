"""Revocations at a real Tessera, seen by a subscribed SDK: through the security event
stream (SSF 1.0 SSE, RFC 8417 SETs) within milliseconds, through the token status lists
(draft-ietf-oauth-status-list-20) within their refresh; the stream resumed from the
last event applied; the staleness bound held both ways."""

from __future__ import annotations

import asyncio
import logging

import httpx
import jwt
import pytest

from idp.admin.users import set_password
from idp.authn.passwords import hash_password
from idp.revocation.events import OPERATOR
from idp.revocation.suspensions import SuspendedKind
from idp.rp import (
    AsyncProvider,
    Provider,
    RevokedToken,
    StaleRevocationState,
    SuspendedToken,
    TokenError,
)
from tests.rp.transports import Switchable
from tests.support.flows import Browser, create_user
from tests.support.polling import after_the_second, eventually
from tests.support.relying_party import ORDERS_API, revoke, service_app, service_token, web_app
from tests.support.sign_in import sign_in
from tests.support.ssf import ssf_receiver

STREAM_WITHIN = 5.0  # s: the stream is a matter of milliseconds
# s: a list is rebuilt at most 5 s after a change (idp.revocation.status_publication),
# fetched every 3 s here (max_staleness=6), or every 10 s (its ttl).
LIST_WITHIN = 20.0


@pytest.fixture
def switch():
    return Switchable()


@pytest.fixture
def sdk(idp, switch):
    with (
        httpx.Client(transport=switch) as http,
        Provider(idp.base_url, clock=idp.clock.now, http=http) as provider,
    ):
        yield provider


@pytest.fixture
def receiver(idp):
    return ssf_receiver(idp)


@pytest.fixture
def follower(sdk, receiver):
    following = sdk.follow_revocations(client_id=receiver.client_id, client_secret=receiver.secret)
    assert following.wait_until_current()
    return following


def refused(
    validate, error: type[TokenError] = RevokedToken, within: float = STREAM_WITHIN
) -> TokenError | None:
    """The error ``validate`` comes to raise within ``within`` seconds (None if it does
    not; any other TokenError fails the test)."""
    caught: list[TokenError] = []

    def check() -> bool:
        try:
            validate()
        except error as exc:
            caught.append(exc)
            return True
        return False

    return caught[0] if eventually(check, within) else None


def orders_token(idp, app=None) -> str:
    return service_token(idp, app or service_app(idp), resource=ORDERS_API)


def test_an_rfc7009_revocation_is_seen_by_the_stream__rfc7009_s2(idp, sdk, follower):
    app = service_app(idp)
    token, other = orders_token(idp, app), orders_token(idp, app)
    assert sdk.validate_access_token(token, audience=ORDERS_API)
    assert revoke(idp, app, token).status_code == 200
    error = refused(lambda: sdk.validate_access_token(token, audience=ORDERS_API))
    assert error is not None
    assert "token-revoked" in str(error)
    assert sdk.validate_access_token(other, audience=ORDERS_API)


def test_a_logout_takes_back_the_sessions_tokens__caep_session_revoked(idp, sdk, follower):
    app = web_app(idp)
    with Browser(idp) as browser:
        tokens = sign_in(idp, app, browser=browser)
        assert sdk.validate_access_token(tokens["access_token"], audience=idp.issuer)
        assert sdk.validate_id_token(tokens["id_token"], client_id=app.client_id)
        response = browser.http.get("/logout", params={"id_token_hint": tokens["id_token"]})
        assert "You are signed out" in response.text
    error = refused(lambda: sdk.validate_access_token(tokens["access_token"], audience=idp.issuer))
    assert error is not None
    assert "session-revoked" in str(error)
    with pytest.raises(RevokedToken):
        sdk.validate_id_token(tokens["id_token"], client_id=app.client_id)


def test_a_password_change_takes_back_the_users_tokens__caep_credential_change(idp, sdk, follower):
    app, user = web_app(idp), create_user(idp)
    before = sign_in(idp, app, user)
    with idp.provider.store() as store:
        set_password(store, idp.provider.revoker(store), user.username, hash_password("N3w-pw!x9"))
    assert refused(lambda: sdk.validate_access_token(before["access_token"], audience=idp.issuer))
    after_the_second(idp.clock.now())  # tokens of the change's second are taken back too
    after = sign_in(idp, app, user, password="N3w-pw!x9")
    assert sdk.validate_access_token(after["access_token"], audience=idp.issuer)


def suspend(idp, kind: SuspendedKind, value: str) -> None:
    with idp.provider.store() as store:
        assert idp.provider.revoker(store, OPERATOR).suspend(kind, value, reason="test")


def lift(idp, kind: SuspendedKind, value: str) -> None:
    with idp.provider.store() as store:
        assert idp.provider.revoker(store, OPERATOR).lift_suspension(kind, value)


def test_a_suspended_user_is_refused_until_resumed__risc_account_disabled(idp, sdk, follower):
    app, user = web_app(idp), create_user(idp)
    token = sign_in(idp, app, user)["access_token"]
    suspend(idp, SuspendedKind.SUBJECT, user.id)
    error = refused(lambda: sdk.validate_access_token(token, audience=idp.issuer), SuspendedToken)
    assert error is not None
    assert "account-disabled" in str(error)
    lift(idp, SuspendedKind.SUBJECT, user.id)
    # account-enabled at once; the status list says so too once it is fetched again.
    assert eventually(lambda: _accepted(sdk, token, idp.issuer), LIST_WITHIN)


def _accepted(sdk, token: str, audience: str) -> bool:
    try:
        sdk.validate_access_token(token, audience=audience)
    except SuspendedToken:
        return False
    return True


def test_a_suspended_client_is_refused_through_its_status_list__status_list_s7_1(
    idp, sdk, receiver
):
    """A client's suspension sends no event: only the status list tells."""
    following = sdk.follow_revocations(
        client_id=receiver.client_id, client_secret=receiver.secret, max_staleness=6
    )
    assert following.wait_until_current()
    app = service_app(idp)
    token = orders_token(idp, app)
    suspend(idp, SuspendedKind.CLIENT, app.client_id)
    error = refused(
        lambda: sdk.validate_access_token(token, audience=ORDERS_API), SuspendedToken, LIST_WITHIN
    )
    assert error is not None
    assert "status list" in str(error)
    lift(idp, SuspendedKind.CLIENT, app.client_id)
    assert eventually(lambda: _accepted(sdk, token, ORDERS_API), LIST_WITHIN)


def test_a_token_revoked_in_its_status_list_is_refused__status_list_s8_3(idp, sdk, switch):
    following = sdk.follow_revocations(max_staleness=6)  # the lists only, every 3 s
    assert following.wait_until_current()
    app = service_app(idp)
    token = orders_token(idp, app)
    assert sdk.validate_access_token(token, audience=ORDERS_API)
    assert revoke(idp, app, token).status_code == 200
    error = refused(
        lambda: sdk.validate_access_token(token, audience=ORDERS_API), within=LIST_WITHIN
    )
    assert error is not None
    assert "status list" in str(error)


def test_status_lists_are_fetched_conditionally_in_the_background__status_list_s8_2(
    idp, sdk, switch
):
    following = sdk.follow_revocations(max_staleness=6)
    assert following.wait_until_current()
    tokens = [orders_token(idp) for _ in range(5)]
    fetched = len(switch.sent_to("/statuslists/"))
    for _ in range(20):
        for token in tokens:
            sdk.validate_access_token(token, audience=ORDERS_API)
    assert len(switch.sent_to("/statuslists/")) <= fetched + 1  # none per token
    assert eventually(
        lambda: any("if-none-match" in r.headers for r in switch.sent_to("/statuslists/")), 10
    )


def test_without_following_no_revocation_is_known(idp, sdk):
    """What the SDK checks without follow_revocations: signature and claims only."""
    app = service_app(idp)
    token = orders_token(idp, app)
    assert revoke(idp, app, token).status_code == 200
    assert sdk.validate_access_token(token, audience=ORDERS_API)


def test_the_stream_resumes_after_the_last_event_it_applied__ssf_sse_last_event_id(
    idp, sdk, switch, receiver
):
    following = sdk.follow_revocations(
        client_id=receiver.client_id, client_secret=receiver.secret, status_lists=False
    )
    assert following.wait_until_current()
    app = service_app(idp)
    first, missed = orders_token(idp, app), orders_token(idp, app)
    assert revoke(idp, app, first).status_code == 200
    assert refused(lambda: sdk.validate_access_token(first, audience=ORDERS_API))
    last_applied = following.last_event_id
    assert last_applied
    switch.turn_off("/ssf/sse")
    switch.cut()
    assert eventually(lambda: bool(switch.refused))  # it came back, and could not get in
    assert revoke(idp, app, missed).status_code == 200  # while it is away
    resumed_from = len(switch.sent_to("/ssf/sse"))
    switch.turn_on("/ssf/sse")
    assert refused(lambda: sdk.validate_access_token(missed, audience=ORDERS_API), within=15)
    assert switch.sent_to("/ssf/sse")[resumed_from].headers["last-event-id"] == last_applied


def test_the_state_goes_stale_without_status_lists__fail_closed(idp, sdk, switch):
    following = sdk.follow_revocations(max_staleness=20)
    assert following.wait_until_current()
    token = orders_token(idp)
    assert sdk.validate_access_token(token, audience=ORDERS_API)
    switch.turn_off("/statuslists")
    idp.clock.advance(21)
    with pytest.raises(StaleRevocationState) as refused_as_stale:
        sdk.validate_access_token(token, audience=ORDERS_API)
    assert refused_as_stale.value.status_code == 503
    switch.turn_on("/statuslists")
    assert eventually(lambda: _current(sdk, token), 15)


def test_the_state_goes_stale_without_the_stream__fail_closed(idp, sdk, switch, receiver):
    following = sdk.follow_revocations(
        client_id=receiver.client_id,
        client_secret=receiver.secret,
        status_lists=False,
        max_staleness=20,
    )
    assert following.wait_until_current()
    token = orders_token(idp)
    assert sdk.validate_access_token(token, audience=ORDERS_API)
    switch.turn_off("/ssf/sse")
    switch.cut()
    assert eventually(lambda: bool(switch.refused))
    idp.clock.advance(21)
    with pytest.raises(StaleRevocationState):
        sdk.validate_access_token(token, audience=ORDERS_API)
    switch.turn_on("/ssf/sse")
    assert eventually(lambda: _current(sdk, token), 15)


def _current(sdk, token: str) -> bool:
    try:
        sdk.validate_access_token(token, audience=ORDERS_API)
    except StaleRevocationState:
        return False
    return True


def test_stale_state_may_be_accepted_with_a_warning(idp, sdk, switch, caplog):
    following = sdk.follow_revocations(max_staleness=20, on_stale="accept")
    assert following.wait_until_current()
    token = orders_token(idp)
    switch.turn_off("/statuslists")
    idp.clock.advance(21)
    with caplog.at_level(logging.WARNING, logger="idp.rp"):
        assert sdk.validate_access_token(token, audience=ORDERS_API)
        assert sdk.validate_access_token(token, audience=ORDERS_API)
    warnings = [r for r in caplog.records if "on_stale='accept'" in r.getMessage()]
    assert len(warnings) == 1  # once a minute, not per token


def test_a_list_that_cannot_be_fetched_at_first_is_stale(idp, sdk, switch):
    switch.turn_off("/statuslists")
    sdk.follow_revocations()
    with pytest.raises(StaleRevocationState):
        sdk.validate_access_token(orders_token(idp), audience=ORDERS_API)


def test_a_receiver_with_wrong_credentials_never_becomes_current(idp, sdk, receiver):
    following = sdk.follow_revocations(
        client_id=receiver.client_id, client_secret="wrong", status_lists=False
    )
    assert not following.wait_until_current(1.5)
    with pytest.raises(StaleRevocationState):
        sdk.validate_access_token(orders_token(idp), audience=ORDERS_API)


def test_a_receiver_reads_the_stream_it_names_else_its_own__ssf_s8_1_1(idp, sdk, receiver):
    credentials = {"client_id": receiver.client_id, "client_secret": receiver.secret}
    first = sdk.follow_revocations(**credentials)  # creates the receiver's SSE stream
    assert first.wait_until_current()
    with Provider(idp.base_url, clock=idp.clock.now) as named:
        following = named.follow_revocations(**credentials, stream_id=first.stream_id)
        assert following.wait_until_current()
        assert following.stream_id == first.stream_id
    with Provider(idp.base_url, clock=idp.clock.now) as unnamed:
        following = unnamed.follow_revocations(**credentials)
        assert following.wait_until_current()
        assert following.stream_id == first.stream_id  # found, not created again


@pytest.mark.parametrize(
    "options",
    [
        {"client_id": "x"},
        {"client_secret": "x"},
        {"status_lists": False},
        {"max_staleness": 0},
        {"on_stale": "ignore"},
    ],
    ids=repr,
)
def test_what_cannot_be_followed_is_refused_at_once(sdk, options):
    with pytest.raises(ValueError, match=r"follow|client|max_staleness|on_stale"):
        sdk.follow_revocations(**options)


def test_a_provider_follows_once(sdk):
    sdk.follow_revocations()
    with pytest.raises(RuntimeError, match="already"):
        sdk.follow_revocations()


def test_the_async_follower_sees_a_revocation(idp, receiver):
    app = service_app(idp)
    token = orders_token(idp, app)

    async def main():
        async with AsyncProvider(idp.base_url, clock=idp.clock.now) as provider:
            # The stream alone: a status list fetched after the revocation would
            # refuse the token too, and sooner or later than the event.
            following = provider.follow_revocations(
                client_id=receiver.client_id, client_secret=receiver.secret, status_lists=False
            )
            assert await following.wait_until_current()
            assert await provider.validate_access_token(token, audience=ORDERS_API)
            assert (await asyncio.to_thread(revoke, idp, app, token)).status_code == 200
            for _ in range(100):
                try:
                    await provider.validate_access_token(token, audience=ORDERS_API)
                except RevokedToken as exc:
                    return str(exc)
                await asyncio.sleep(0.05)
            return None

    assert "token-revoked" in (asyncio.run(main()) or "")


def test_the_claims_of_the_id_token_say_its_session(idp):
    """(What the session checks read: Tessera's ID and access tokens carry sid.)"""
    tokens = sign_in(idp, web_app(idp))
    access, identity = (
        jwt.decode(tokens[name], options={"verify_signature": False})
        for name in ("access_token", "id_token")
    )
    assert access["sid"] == identity["sid"]
