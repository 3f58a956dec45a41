"""idp.revocation.records: which self-contained tokens a revocation record takes back.

A ``jti`` or ``sid`` record covers every token carrying that value; a ``sub`` or
``client_id`` record covers the tokens of that user or client issued up to its time.
Every record stops covering anything once it may be pruned (no token it could cover is
still alive then)."""

from __future__ import annotations

import pytest

from idp.revocation.records import RevocationKind, RevocationRecord

REVOKED_AT = 1_700_000_000
PRUNE_AFTER = REVOKED_AT + 3600
NOW = REVOKED_AT + 10


def record(kind: RevocationKind, value: str = "value-1") -> RevocationRecord:
    return RevocationRecord(kind, value, revoked_at=REVOKED_AT, prune_after=PRUNE_AFTER)


def claims(kind: RevocationKind, value: str = "value-1", **more: object) -> dict[str, object]:
    return {"jti": "jti-0", "sid": "sid-0", "sub": "sub-0", "client_id": "client-0"} | {
        kind.value: value,
        **more,
    }


ALL_KINDS = list(RevocationKind)
TAKEN_BACK_WHOLE = [RevocationKind.JTI, RevocationKind.SID]
TAKEN_BACK_UP_TO_A_TIME = [RevocationKind.SUBJECT, RevocationKind.CLIENT]


def test_the_kinds_are_named_after_the_claims_they_match():
    assert [kind.value for kind in RevocationKind] == ["jti", "sid", "sub", "client_id"]


@pytest.mark.parametrize("kind", TAKEN_BACK_WHOLE)
@pytest.mark.parametrize("iat", [REVOKED_AT - 100, REVOKED_AT, REVOKED_AT + 5, None])
def test_jti_and_sid_cover_any_token_carrying_the_value(kind, iat):
    # A session's tokens are taken back whenever they were issued: the session is over.
    token = claims(kind) if iat is None else claims(kind, iat=iat)
    assert record(kind).covers(token, NOW)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_another_value_is_not_covered(kind):
    assert not record(kind).covers(claims(kind, "value-2", iat=REVOKED_AT - 100), NOW)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_token_without_the_claim_is_not_covered(kind):
    token = claims(kind, iat=REVOKED_AT - 100)
    del token[kind.value]
    assert not record(kind).covers(token, NOW)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_value_of_another_claim_is_not_covered(kind):
    # "value-1" in every other claim, but not in the one this record is about.
    others = {other.value: "value-1" for other in RevocationKind if other is not kind}
    assert not record(kind).covers(others | {kind.value: "value-2", "iat": 1}, NOW)


@pytest.mark.parametrize("kind", TAKEN_BACK_UP_TO_A_TIME)
def test_sub_and_client_id_cover_tokens_issued_before(kind):
    assert record(kind).covers(claims(kind, iat=REVOKED_AT - 1), NOW)


@pytest.mark.parametrize("kind", TAKEN_BACK_UP_TO_A_TIME)
def test_sub_and_client_id_cover_tokens_issued_in_the_same_second(kind):
    # A token issued in the second of the revocation may predate it: fail closed.
    assert record(kind).covers(claims(kind, iat=REVOKED_AT), NOW)


@pytest.mark.parametrize("kind", TAKEN_BACK_UP_TO_A_TIME)
def test_sub_and_client_id_do_not_cover_tokens_issued_after(kind):
    # A new password, a re-enabled account: the tokens issued since are good.
    assert not record(kind).covers(claims(kind, iat=REVOKED_AT + 1), NOW)


@pytest.mark.parametrize("kind", TAKEN_BACK_UP_TO_A_TIME)
@pytest.mark.parametrize(
    "iat",
    [None, "1700000001", float(REVOKED_AT + 1), [REVOKED_AT + 1]],
    ids=["missing", "string", "float", "list"],
)
def test_sub_and_client_id_cover_a_token_without_an_int_iat__fail_closed(kind, iat):
    token = claims(kind) if iat is None else claims(kind, iat=iat)
    assert record(kind).covers(token, NOW)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_nothing_is_covered_once_the_record_may_be_pruned(kind):
    token = claims(kind, iat=REVOKED_AT - 1)
    assert record(kind).covers(token, PRUNE_AFTER - 1)
    assert not record(kind).covers(token, PRUNE_AFTER)
    assert not record(kind).covers(token, PRUNE_AFTER + 86400)


def test_key_is_kind_and_value():
    assert record(RevocationKind.SID, "s").key == (RevocationKind.SID, "s")


def test_merged_keeps_the_later_revocation_and_the_later_pruning():
    early = RevocationRecord(RevocationKind.SUBJECT, "alice", revoked_at=100, prune_after=900)
    late = RevocationRecord(RevocationKind.SUBJECT, "alice", revoked_at=200, prune_after=800)
    expected = RevocationRecord(RevocationKind.SUBJECT, "alice", revoked_at=200, prune_after=900)
    assert early.merged(late) == expected
    assert late.merged(early) == expected


def test_merged_covers_what_either_record_covered():
    # A second password change: tokens issued between the two are taken back too.
    first = RevocationRecord(RevocationKind.SUBJECT, "alice", revoked_at=100, prune_after=900)
    second = RevocationRecord(RevocationKind.SUBJECT, "alice", revoked_at=200, prune_after=850)
    merged = first.merged(second)
    for token in ({"sub": "alice", "iat": 50}, {"sub": "alice", "iat": 150}):
        assert merged.covers(token, 300)
    assert not merged.covers({"sub": "alice", "iat": 201}, 300)
    assert merged.covers({"sub": "alice", "iat": 50}, 899)
