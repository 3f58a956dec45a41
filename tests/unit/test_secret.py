"""idp.secret.new_identifier: ids operators type never look like a command-line option."""

from __future__ import annotations

import secrets

from idp.secret import new_identifier


def test_an_identifier_never_starts_with_a_dash(monkeypatch):
    drawn = iter(["-leading", "-again", "fine-id"])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda _nbytes: next(drawn))
    assert new_identifier() == "fine-id"


def test_identifiers_are_random_and_128_bits_by_default():
    ids = {new_identifier() for _ in range(2000)}
    assert len(ids) == 2000
    assert not any(identifier.startswith("-") for identifier in ids)
    assert all(len(identifier) == 22 for identifier in ids)  # 16 bytes, base64url
