"""idp.sealing: AES-256-GCM under a purpose's key, the purpose (and an optional context)
bound in as associated data. Only the holder of the key can read or make a sealed value,
and each purpose opens only its own."""

from __future__ import annotations

import pytest

from idp.sealing import NONCE_BYTES, Sealer, UnsealError

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
SEALER = Sealer(KEY, b"interaction")
PLAIN = b'{"a sealed":"value"}'


def test_seal_and_open_round_trip():
    assert SEALER.open(SEALER.seal(PLAIN)) == PLAIN
    assert SEALER.open(SEALER.seal(b"")) == b""


def test_context_round_trip():
    assert SEALER.open(SEALER.seal(PLAIN, b"ctx"), b"ctx") == PLAIN


def test_the_plain_text_does_not_appear_in_the_sealed_value():
    assert PLAIN not in SEALER.seal(PLAIN)


def test_two_seals_of_the_same_value_differ__random_nonce():
    first, second = SEALER.seal(PLAIN), SEALER.seal(PLAIN)
    assert first != second
    assert first[:NONCE_BYTES] != second[:NONCE_BYTES]


def test_every_altered_byte_is_refused():
    sealed = SEALER.seal(PLAIN)
    for position in range(len(sealed)):
        for flip in (0x01, 0x80):
            altered = bytearray(sealed)
            altered[position] ^= flip
            with pytest.raises(UnsealError):
                SEALER.open(bytes(altered))


def test_every_truncation_is_refused():
    sealed = SEALER.seal(PLAIN)
    for length in range(len(sealed)):
        with pytest.raises(UnsealError):
            SEALER.open(sealed[:length])


def test_appended_bytes_are_refused():
    with pytest.raises(UnsealError):
        SEALER.open(SEALER.seal(PLAIN) + b"\x00")


def test_another_purpose_under_the_same_key_is_refused():
    sealed = Sealer(KEY, b"refresh-replay").seal(PLAIN)
    with pytest.raises(UnsealError):
        SEALER.open(sealed)


def test_another_key_for_the_same_purpose_is_refused():
    sealed = Sealer(OTHER_KEY, b"interaction").seal(PLAIN)
    with pytest.raises(UnsealError):
        SEALER.open(sealed)


def test_another_context_is_refused():
    sealed = SEALER.seal(PLAIN, b"token-digest-1")
    with pytest.raises(UnsealError):
        SEALER.open(sealed, b"token-digest-2")
    with pytest.raises(UnsealError):
        SEALER.open(sealed)


def test_purpose_and_context_are_not_interchangeable():
    # The purpose and the context are joined with a NUL, so moving bytes from one to the
    # other changes the associated data unless the split point matches.
    sealed = Sealer(KEY, b"ab").seal(PLAIN, b"c")
    with pytest.raises(UnsealError):
        Sealer(KEY, b"a").open(sealed, b"bc")


@pytest.mark.parametrize("junk", [b"", b"\x00", b"x" * (NONCE_BYTES - 1), b"x" * NONCE_BYTES])
def test_values_too_short_to_be_sealed_are_refused(junk):
    with pytest.raises(UnsealError):
        SEALER.open(junk)


def test_unseal_error_is_a_value_error():
    # Callers catch UnsealError; it must not escape as anything that reads as a 500.
    assert issubclass(UnsealError, ValueError)
