"""idp.interaction.sealing: an interaction travels sealed in its URL. A sealed
interaction is opened only as it was issued and only before it expires; anything else,
whatever its shape, is InteractionNotFoundError (a 400 page), never another error."""

from __future__ import annotations

import base64
import random

import pytest

from idp.interaction.model import Interaction, InteractionKind, Prompt, Requirements
from idp.interaction.sealing import MAX_SEALED_LENGTH, InteractionNotFoundError, InteractionSeal
from idp.scope import Scope
from idp.sealing import Sealer

KEY = bytes(range(32))
TTL = 900
NOW = 1_700_000_000
SEAL = InteractionSeal(Sealer(KEY, b"interaction"), ttl=TTL)
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def interaction(state: str = "xyz") -> Interaction:
    return Interaction(
        kind=InteractionKind.AUTHORIZATION,
        payload={"client_id": "client-1", "state": state},
        requirements=Requirements(
            party_id="client-1",
            consent_scope=Scope.parse("openid email"),
            prompt=frozenset({Prompt.CONSENT}),
            max_age=60,
        ),
    )


def sealed_of_length_not_a_multiple_of_4() -> str:
    """A sealed value whose last base64url character carries unused low bits (the
    length of a sealed value depends only on what it holds, not on the nonce)."""
    for size in range(1, 16):
        sealed = SEAL.seal(interaction("s" * size), NOW)
        if len(sealed) % 4:
            return sealed
    raise AssertionError("every length was a multiple of 4")


def assert_not_found(sealed: str, now: int = NOW) -> None:
    with pytest.raises(InteractionNotFoundError):
        SEAL.open(sealed, now)


def test_seal_and_open_round_trip():
    original = interaction()
    assert SEAL.open(SEAL.seal(original, NOW), NOW) == original


def test_a_sealed_interaction_is_url_safe_without_padding():
    sealed = SEAL.seal(interaction(), NOW)
    assert set(sealed) <= set(ALPHABET)
    assert len(sealed) <= MAX_SEALED_LENGTH


def test_two_seals_of_the_same_interaction_differ__random_nonce():
    first, second = SEAL.seal(interaction(), NOW), SEAL.seal(interaction(), NOW)
    assert first != second
    assert SEAL.open(first, NOW) == SEAL.open(second, NOW)


def test_it_opens_until_the_last_second_before_expiry():
    sealed = SEAL.seal(interaction(), NOW)
    assert SEAL.open(sealed, NOW + TTL - 1) == interaction()


def test_exactly_at_expiry_it_is_expired():
    assert_not_found(SEAL.seal(interaction(), NOW), NOW + TTL)


def test_after_expiry_it_is_expired():
    assert_not_found(SEAL.seal(interaction(), NOW), NOW + TTL + 3600)


def test_every_character_altered_is_refused():
    sealed = SEAL.seal(interaction(), NOW)
    for position, character in enumerate(sealed):
        # The 6-bit value with its top bit flipped: a change in the decoded bytes even
        # in the last character, whose low bits may be unused.
        replacement = ALPHABET[ALPHABET.index(character) ^ 32]
        assert_not_found(sealed[:position] + replacement + sealed[position + 1 :])


def test_the_unused_bits_of_the_last_character_are_not_a_second_spelling():
    # In a base64 value whose length is not a multiple of 4, the low bits of the last
    # character encode nothing; a decoder that ignores them opens a value nobody sealed.
    sealed = sealed_of_length_not_a_multiple_of_4()
    opened = []
    for replacement in ALPHABET:
        altered = sealed[:-1] + replacement
        if altered == sealed:
            continue
        try:
            SEAL.open(altered, NOW)
        except InteractionNotFoundError:
            continue
        opened.append(altered[-1])
    assert opened == [], f"last character {sealed[-1]!r} replaced by {opened} still opens"


def test_every_truncation_is_refused():
    sealed = SEAL.seal(interaction(), NOW)
    for length in range(len(sealed)):
        assert_not_found(sealed[:length])


def test_appended_characters_are_refused():
    sealed = SEAL.seal(interaction(), NOW)
    for suffix in ("A", "AA", "AAAA", "AAAAAAAA"):
        assert_not_found(sealed + suffix)


@pytest.mark.parametrize("padding", ["=", "==", "===", "===="])
def test_a_re_padded_value_is_refused(padding):
    assert_not_found(SEAL.seal(interaction(), NOW) + padding)


@pytest.mark.parametrize(
    "inserted",
    ["!", ".", "~", " ", "\n", "=", "%3D"],
    ids=["bang", "dot", "tilde", "space", "newline", "equals", "percent-encoded"],
)
def test_characters_outside_base64url_are_refused(inserted):
    # One to four of them, so that whatever the decoder skips, the rest lines up with
    # the padding it is given in one of the cases.
    sealed = SEAL.seal(interaction(), NOW)
    for count in range(1, 5):
        assert_not_found(sealed[:10] + inserted * count + sealed[10:])


def test_the_standard_base64_alphabet_is_not_a_second_spelling():
    sealed = next(
        sealed
        for sealed in (SEAL.seal(interaction(), NOW) for _ in range(100))
        if "-" in sealed or "_" in sealed
    )
    assert_not_found(sealed.replace("-", "+").replace("_", "/"))


@pytest.mark.parametrize(
    "text",
    ["\u00e9", "\u2603", "\ud800", "\x00", "\uff21"],
    ids=["e-acute", "snowman", "lone-surrogate", "nul", "fullwidth-A"],
)
def test_non_ascii_and_control_characters_are_refused(text):
    sealed = SEAL.seal(interaction(), NOW)
    assert_not_found(sealed[:10] + text + sealed[10:])


def test_another_purpose_is_refused():
    other = InteractionSeal(Sealer(KEY, b"refresh-replay"), ttl=TTL)
    assert_not_found(other.seal(interaction(), NOW))


def test_another_key_is_refused():
    other = InteractionSeal(Sealer(bytes(range(1, 33)), b"interaction"), ttl=TTL)
    assert_not_found(other.seal(interaction(), NOW))


def test_a_value_sealed_for_another_use_is_refused():
    # Sealed under the right key and purpose, but not a compressed interaction record.
    raw = Sealer(KEY, b"interaction").seal(b"not zlib")
    assert_not_found(base64.urlsafe_b64encode(raw).rstrip(b"=").decode())


def test_longer_than_max_sealed_length_is_refused_before_anything_else():
    assert_not_found("A" * (MAX_SEALED_LENGTH + 1))
    assert_not_found(SEAL.seal(interaction(), NOW) + "A" * MAX_SEALED_LENGTH)


@pytest.mark.parametrize(
    "junk",
    ["", "A", "AA", "AAA", "AAAA", "-", "_" * 43, "A" * MAX_SEALED_LENGTH, "////", "===="],
)
def test_values_never_sealed_are_refused(junk):
    assert_not_found(junk)


def test_random_strings_are_refused_with_interaction_not_found_only():
    rng = random.Random(6749)
    base = SEAL.seal(interaction(), NOW)
    for _ in range(400):
        size = rng.randrange(0, 600)
        text = "".join(
            rng.choice(ALPHABET) if rng.random() < 0.9 else chr(rng.randrange(0, 0x3000))
            for _ in range(size)
        )
        assert_not_found(text)
        cut = rng.randrange(len(base))
        changed = base[:cut] + text[:3] + base[cut + 1 :] if text[:3] else base[:cut]
        if changed != base:  # one random character can be the one it replaces
            assert_not_found(changed)


def test_not_found_is_a_lookup_error():
    assert issubclass(InteractionNotFoundError, LookupError)
