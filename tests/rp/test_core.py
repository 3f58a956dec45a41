"""The pure parts of the SDK, without a server: Server-Sent Events parsing (WHATWG HTML
§9.2.6), status-list bits (draft-ietf-oauth-status-list-20 §4.1), HTTP cache lifetimes
(RFC 9111), backoff, and what each security event does to the revocation state."""

from __future__ import annotations

import base64
import random
import zlib

import pytest

from idp.revocation.status_list import Status, encode
from idp.rp import MalformedToken, ProviderUnavailable, RevokedToken, SuspendedToken
from idp.rp.backoff import Backoff
from idp.rp.caching import MAX_LIFETIME, MIN_LIFETIME, cache_lifetime
from idp.rp.events import (
    ACCOUNT_DISABLED,
    ACCOUNT_ENABLED,
    CREDENTIAL_CHANGE,
    SESSION_REVOKED,
    STREAM_UPDATED,
    TOKEN_REVOKED,
    EventReader,
)
from idp.rp.revocation import RevocationState
from idp.rp.sse import SseParser
from idp.rp.status_lists import StatusList, _decompressed

ISSUER = "https://idp.example"
STREAM = (
    b": hello\r\n\r\n"
    b"id: 7\r\nevent: set\r\ndata: one\r\n\r\n"
    b"data: two\ndata: lines\n\n"
    b"event: set\rid: 9\rdata: three\r\r"
    b"id\r\ndata:four\r\n\r\n"
)
EXPECTED = [
    ("7", "set", "one"),
    ("7", "message", "two\nlines"),
    ("9", "set", "three"),
    ("", "message", "four"),
]


def events_of(parser: SseParser, chunks: list[bytes]) -> list[tuple[str | None, str, str]]:
    return [(e.id, e.type, e.data) for chunk in chunks for e in parser.feed(chunk)]


def test_server_sent_events_are_read_as_whatwg_says__html_s9_2_6():
    assert events_of(SseParser(), [b"\xef\xbb\xbf" + STREAM]) == EXPECTED


@pytest.mark.parametrize("cut", range(1, len(STREAM)))
def test_events_do_not_depend_on_where_chunks_end__html_s9_2_6(cut):
    assert events_of(SseParser(), [STREAM[:cut], STREAM[cut:]]) == EXPECTED


def test_an_endless_line_is_refused():
    parser = SseParser()
    parser.feed(b"data: " + b"x" * ((1 << 18) - 6))  # as long as a line may be
    with pytest.raises(ProviderUnavailable):
        parser.feed(b"x")


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_status_bits_are_read_as_the_provider_writes_them__status_list_s4_1(bits):
    statuses = [random.randrange(1 << bits) for _ in range(4096)]
    packed = bytearray(len(statuses) * bits // 8)
    for idx, status in enumerate(statuses):
        packed[idx * bits // 8] |= status << (idx * bits % 8)
    status_list = StatusList(bits, bytes(packed))
    assert [status_list.status(idx) for idx in range(len(statuses))] == statuses
    with pytest.raises(MalformedToken):
        status_list.status(len(statuses))


def test_a_list_tessera_encodes_is_decoded_to_the_same_statuses__status_list_s4_1():
    statuses = {idx: Status(random.choice((1, 2))) for idx in random.sample(range(100_000), 1000)}
    status_list = StatusList(2, _decompressed(encode(100_000, statuses)))
    assert {
        idx: status_list.status(idx) for idx in range(100_000) if status_list.status(idx)
    } == statuses


@pytest.mark.parametrize(
    "lst",
    [
        base64.urlsafe_b64encode(zlib.compress(bytes(64 << 20))).rstrip(b"=").decode(),  # a bomb
        base64.urlsafe_b64encode(zlib.compress(bytes(1000))[:-4]).rstrip(b"=").decode(),
        "not base64!",
        base64.urlsafe_b64encode(b"not zlib").rstrip(b"=").decode(),
    ],
    ids=["64 MiB", "truncated", "not base64", "not zlib"],
)
def test_a_list_that_is_no_bounded_zlib_is_refused__status_list_s4_1(lst):
    with pytest.raises(ProviderUnavailable):
        _decompressed(lst)


@pytest.mark.parametrize(
    ("cache_control", "age", "lifetime"),
    [
        ("public, max-age=60", "", 60),
        ("max-age=60", "15", 45),
        ('max-age="120"', "", 120),
        ("no-store", "", MIN_LIFETIME),
        ("max-age=0", "", MIN_LIFETIME),
        ("max-age=99999999", "", MAX_LIFETIME),
        ("max-age=junk", "", 300),
        ("", "", 300),
    ],
)
def test_cache_lifetimes__rfc9111_s5_2_2_1(cache_control, age, lifetime):
    assert cache_lifetime({"cache-control": cache_control, "age": age}) == lifetime


def test_backoff_doubles_with_jitter_to_its_cap_and_starts_again():
    backoff = Backoff(first=1, cap=8)
    delays = [backoff.next_delay() for _ in range(6)]
    for delay, bound in zip(delays, [1, 2, 4, 8, 8, 8], strict=True):
        assert bound / 2 <= delay <= bound
    backoff.reset()
    assert backoff.next_delay() <= 1


def security_event(event_type: str, sub_id: dict, iat: int = 1000, **payload) -> dict:
    return {
        "iss": ISSUER,
        "iat": iat,
        "jti": "s.1",
        "aud": "rp",
        "sub_id": sub_id,
        "events": {event_type: payload},
    }


USER = {"format": "iss_sub", "iss": ISSUER, "sub": "alice"}


@pytest.fixture
def state():
    return RevocationState(
        lists=None, follows_events=True, max_staleness=60, on_stale="reject", leeway=0
    )


def check(state, **claims):
    state.heard_from_stream(2000)
    state.check({"sub": "bob", "iat": 1500, **claims}, None, 2000)


def test_each_event_takes_back_what_it_names__caep_risc(state):
    reader = EventReader(state, ISSUER)
    reader.apply(
        security_event(TOKEN_REVOKED, {"format": "jwt_id", "iss": ISSUER, "jti": "t1"}), 2000
    )
    session = {"format": "complex", "user": USER, "session": {"format": "opaque", "id": "s1"}}
    reader.apply(security_event(SESSION_REVOKED, session), 2000)
    reader.apply(security_event(CREDENTIAL_CHANGE, USER, event_timestamp=1200), 2000)
    with pytest.raises(RevokedToken, match="token-revoked"):
        check(state, jti="t1")
    with pytest.raises(RevokedToken, match="session-revoked"):
        check(state, sid="s1")
    with pytest.raises(RevokedToken, match="up to a time"):
        check(state, sub="alice", iat=1200)
    check(state, sub="alice", iat=1201)  # issued after the change
    check(state, jti="t2", sid="s2")


def test_a_disabled_account_is_suspended_until_enabled__risc_s2_3(state):
    reader = EventReader(state, ISSUER)
    reader.apply(security_event(ACCOUNT_DISABLED, USER), 2000)
    with pytest.raises(SuspendedToken):
        check(state, sub="alice")
    reader.apply(security_event(ACCOUNT_ENABLED, USER), 2000)
    check(state, sub="alice")


def test_events_of_another_issuer_change_nothing(state):
    reader = EventReader(state, ISSUER)
    foreign = {"format": "jwt_id", "iss": "https://other.example", "jti": "t1"}
    reader.apply(security_event(TOKEN_REVOKED, foreign), 2000)
    reader.apply(security_event(ACCOUNT_DISABLED, {**USER, "iss": "https://other.example"}), 2000)
    check(state, jti="t1", sub="alice")


def test_a_paused_stream_is_not_current__ssf_s8_1_5(state):
    reader = EventReader(state, ISSUER)
    stream = {"format": "opaque", "id": "stream-1"}
    reader.apply(security_event(STREAM_UPDATED, stream, status="paused"), 2000)
    assert not state.stream_current(2000)
    reader.apply(security_event(STREAM_UPDATED, stream, status="enabled"), 2000)
    state.heard_from_stream(2000)
    assert state.stream_current(2000)


def test_what_no_live_token_can_carry_is_forgotten__once_a_minute(state):
    reader = EventReader(state, ISSUER)

    def revoked(jti: str, at: int, now: int) -> None:
        reader.apply(
            security_event(TOKEN_REVOKED, {"format": "jwt_id", "iss": ISSUER, "jti": jti}, iat=at),
            now,
        )

    day = 86_400
    revoked("older-than-any-token", at=0, now=day + 1)
    assert state.jtis == {}
    revoked("t", at=day + 10, now=2 * day)  # a day old, nearly: kept
    revoked("u", at=2 * day, now=2 * day + 30)  # t is too old now, but within the minute
    assert set(state.jtis) == {"t", "u"}
    revoked("v", at=2 * day + 61, now=2 * day + 61)
    assert set(state.jtis) == {"u", "v"}
