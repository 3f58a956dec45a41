"""idp.authn.passwords.PasswordPolicy (NIST SP 800-63B-4 §3.1.1.2), as pure code."""

from __future__ import annotations

import pytest

from idp.authn.passwords import (
    PasswordPolicy,
    WeakPasswordError,
    common_passwords,
    hash_password,
    normalise,
    verify_password,
)

POLICY = PasswordPolicy(service_name="Example Corp Login")


def test_the_blocklist_is_loaded_once_and_folded():
    words = common_passwords()
    assert common_passwords() is words
    assert len(words) >= 29_000
    assert "password" in words
    assert all(word == word.casefold() for word in words)
    assert not any(word.startswith("#") for word in words)


@pytest.mark.parametrize(
    ("password", "context"),
    [
        ("my name is margaret, hello", {"username": "Margaret"}),
        ("write to m.hopper at work!", {"email": "M.Hopper@example.com"}),
        ("example corp login is mine", {}),
        ("ＴＥＳＳＥＲＡ ｉｓ ｍｙ ｐａｓｓｗｏｒｄ", {}),  # noqa: RUF001 - NFKC folds it
    ],
)
def test_context_words_are_refused(password, context):
    with pytest.raises(WeakPasswordError, match="must not contain"):
        POLICY.check(password, **context)


def test_short_context_words_are_not_checked():
    POLICY.check("bob likes long walks outside", username="bob")


def test_code_points_are_counted_once():
    POLICY.check("é" * 15)
    with pytest.raises(WeakPasswordError, match="at least 15"):
        POLICY.check("e\u0301" * 7)  # 14 code points as typed, 7 once NFKC composes them


def test_the_cap_is_checked_before_anything_else():
    with pytest.raises(WeakPasswordError, match="at most 1024"):
        POLICY.check("x" * 1025)
    with pytest.raises(WeakPasswordError, match="at most 1024"):
        hash_password("x" * 1025)


def test_hashing_normalises_and_old_hashes_still_verify():
    from idp.authn.passwords import HASHER

    assert normalise("ﬁne ﬁsh") == "fine fish"
    assert verify_password("fine fish", hash_password("ﬁne ﬁsh"))
    legacy = HASHER.hash("ﬁne ﬁsh")  # made before passwords were normalised
    assert verify_password("ﬁne ﬁsh", legacy)
    assert not verify_password("fine fish", legacy)
